// The client side of gRPC server reflection: ServerReflectionInfo is a bidi stream of requests and
// responses. Tries grpc.reflection.v1 first and falls back to v1alpha (older servers, grpcurl's
// default) when the server does not implement v1.
import { CertrpcError } from '../errors/certrpc-error';
import { Client, Metadata, ServiceError, status as Status } from '@grpc/grpc-js';
import { ServerReflectionRequest, ServerReflectionResponse, ServerReflectionService } from '../gen/grpc/reflection/v1/reflection';
import type { SchemaSource } from './schema';

type Version = 'v1' | 'v1alpha';
type ReflectionRequest = Partial<ServerReflectionRequest>;

// v1alpha's messages are v1's, field for field: one generated codec serves both paths.
const method = ServerReflectionService.serverReflectionInfo;
const PATHS: Record<Version, string> = { v1: method.path, v1alpha: method.path.replace('.v1.', '.v1alpha.') };
const serialize = (req: ReflectionRequest) => method.requestSerialize(ServerReflectionRequest.fromPartial(req));

/** The server answered, but with a reflection error (e.g. NOT_FOUND for an unknown symbol). */
export class ReflectionLookupError extends CertrpcError {
  constructor(
    /** The reflection error code the server sent (a gRPC status code). */
    readonly status: number,
    message: string,
  ) {
    super(message, { code: 'REFLECTION_LOOKUP' });
  }
}

export class ReflectionClient {
  private version: Version = 'v1';

  constructor(
    private readonly client: Client,
    private readonly metadata: () => Metadata,
    private readonly deadline?: number,
  ) {}

  async listServices(): Promise<string[]> {
    const res = await this.request({ host: '', listServices: '*' });
    return (res.listServicesResponse?.service ?? []).map((s) => s.name);
  }

  /** Serialized FileDescriptorProtos: the file declaring symbol, then (usually) its dependencies. */
  async fileContainingSymbol(symbol: string): Promise<Uint8Array[]> {
    const res = await this.request({ host: '', fileContainingSymbol: symbol });
    return res.fileDescriptorResponse?.fileDescriptorProto ?? [];
  }

  async fileByFilename(name: string): Promise<Uint8Array[]> {
    const res = await this.request({ host: '', fileByFilename: name });
    return res.fileDescriptorResponse?.fileDescriptorProto ?? [];
  }

  private async request(req: ReflectionRequest): Promise<ServerReflectionResponse> {
    try {
      return await this.exchange(req);
    } catch (err) {
      const unimplemented = (err as ServiceError).code === Status.UNIMPLEMENTED;
      if (!unimplemented || this.version === 'v1alpha') throw err;
      this.version = 'v1alpha';
      return this.exchange(req);
    }
  }

  /** One request on its own stream: simple, and reflection is a handful of calls per command. */
  private exchange(req: ReflectionRequest): Promise<ServerReflectionResponse> {
    return new Promise((resolve, reject) => {
      const stream = this.client.makeBidiStreamRequest(PATHS[this.version], serialize, method.responseDeserialize, this.metadata(), {
        deadline: this.deadline,
      });
      let answer: ServerReflectionResponse | undefined;
      stream.on('data', (res: ServerReflectionResponse) => (answer ??= res));
      stream.on('error', reject);
      stream.on('status', (status: { code: number }) => {
        if (status.code !== Status.OK) return; // 'error' has rejected already
        if (!answer) reject(new Error('the server ended the reflection stream without an answer'));
        else if (answer.errorResponse) reject(new ReflectionLookupError(answer.errorResponse.errorCode, answer.errorResponse.errorMessage));
        else resolve(answer);
      });
      stream.write(req);
      stream.end();
    });
  }
}

/** Reflection as a schema source: an unknown symbol or file is "not found", anything else an error. */
export function reflectionSchemaSource(reflection: ReflectionClient): SchemaSource {
  const orUndefined = (err: unknown) => {
    if (err instanceof ReflectionLookupError && err.status === Status.NOT_FOUND) return undefined;
    throw err;
  };
  return {
    name: 'the server (reflection)',
    listServices: () => reflection.listServices(),
    filesForSymbol: (symbol) => reflection.fileContainingSymbol(symbol).catch(orUndefined),
    fileByName: (name) => reflection.fileByFilename(name).catch(orUndefined),
  };
}
