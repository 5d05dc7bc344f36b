// The policy the operations suites serve with: alice may call anything, bob may read, everyone
// else holds no role (denied). Written per suite into its temp dir.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPS_POLICY = `version: 1
name: ops-test
audit:
  log: all
roles:
  admin:
    - cn: alice
  reader:
    - cn: bob
rules:
  - name: admin-everything
    roles: [admin]
    methods: ["*"]
  - name: reader-reads
    roles: [reader]
    methods:
      - /demo.v1.KeyValue/Get
      - /certrpc.v1.Identity/WhoAmI
      - /demo.v1.Echo/Say
  - name: health
    roles: ["*"]
    methods: ["/grpc.health.v1.Health/*"]
`;

export function writeOpsPolicy(dir: string): string {
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, OPS_POLICY);
  return file;
}
