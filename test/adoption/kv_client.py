"""One demo.v1.KeyValue call from Python grpcio over mutual TLS: a client certrpc did not write.

Usage: kv_client.py STUBS_DIR ADDRESS CERT KEY CA METHOD KEY [VALUE]
METHOD is Get or Put. Prints one JSON line: {"ok": true, "response": {...}} or
{"ok": false, "code": "PERMISSION_DENIED", "details": "..."}.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from demo.v1 import kv_pb2, kv_pb2_grpc  # noqa: E402


def main():
    _, _, address, cert, key, ca, method, name, *rest = sys.argv
    with open(cert, "rb") as c, open(key, "rb") as k, open(ca, "rb") as a:
        creds = grpc.ssl_channel_credentials(root_certificates=a.read(), private_key=k.read(), certificate_chain=c.read())
    # The server certificate names localhost; the address is 127.0.0.1:PORT.
    with grpc.secure_channel(address, creds, options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        stub = kv_pb2_grpc.KeyValueStub(channel)
        try:
            if method == "Get":
                r = stub.Get(kv_pb2.GetRequest(key=name), timeout=20)
                out = {"key": r.key, "value": r.value, "found": r.found}
            else:
                stub.Put(kv_pb2.PutRequest(key=name, value=rest[0] if rest else ""), timeout=20)
                out = {}
            print(json.dumps({"ok": True, "response": out}))
        except grpc.RpcError as e:
            print(json.dumps({"ok": False, "code": e.code().name, "details": e.details()}))


main()
