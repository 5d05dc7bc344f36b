"""demo.v1.KeyValue and demo.v1.Echo in Python grpcio over mutual TLS: a gRPC server certrpc did not write.

Usage: kv_server.py STUBS_DIR CERT KEY CA
STUBS_DIR holds the stubs grpc_tools.protoc made from proto/ (generated at test time, never committed).
Prints "listening on 127.0.0.1:PORT" once serving; stops on SIGTERM.
"""
import signal
import sys
import threading
from concurrent import futures

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from demo.v1 import echo_pb2, echo_pb2_grpc, kv_pb2, kv_pb2_grpc  # noqa: E402


def caller_cn(context):
    """The client certificate's CN, as grpcio's auth context reports it."""
    names = context.auth_context().get("x509_common_name", [b""])
    return names[0].decode()


class KeyValue(kv_pb2_grpc.KeyValueServicer):
    def __init__(self):
        self.values = {}
        self.changes = threading.Condition()
        self.log = []

    def Get(self, request, context):
        if request.key == "__caller__":
            return kv_pb2.GetResponse(key=request.key, value=caller_cn(context), found=True)
        found = request.key in self.values
        return kv_pb2.GetResponse(key=request.key, value=self.values.get(request.key, ""), found=found)

    def Put(self, request, context):
        if not request.key:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "key must not be empty")
        with self.changes:
            self.values[request.key] = request.value
            self.log.append(kv_pb2.Change(key=request.key, value=request.value))
            self.changes.notify_all()
        return kv_pb2.PutResponse()

    def Delete(self, request, context):
        with self.changes:
            found = self.values.pop(request.key, None) is not None
            if found:
                self.log.append(kv_pb2.Change(key=request.key, deleted=True))
                self.changes.notify_all()
        return kv_pb2.DeleteResponse(found=found)

    def Watch(self, request, context):
        context.send_initial_metadata(())
        seen = len(self.log)
        while context.is_active():
            with self.changes:
                self.changes.wait_for(lambda: len(self.log) > seen or not context.is_active(), timeout=0.5)
                fresh, seen = self.log[seen:], len(self.log)
            for change in fresh:
                if change.key.startswith(request.prefix):
                    yield change


class Echo(echo_pb2_grpc.EchoServicer):
    def Say(self, request, context):
        return echo_pb2.SayResponse(message=request.message)

    def Chat(self, request_iterator, context):
        for index, request in enumerate(request_iterator):
            yield echo_pb2.SayResponse(message=request.message, index=index)


def main():
    _, _, cert, key, ca = sys.argv
    read = lambda path: open(path, "rb").read()  # noqa: E731
    credentials = grpc.ssl_server_credentials([(read(key), read(cert))], root_certificates=read(ca), require_client_auth=True)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    kv_pb2_grpc.add_KeyValueServicer_to_server(KeyValue(), server)
    echo_pb2_grpc.add_EchoServicer_to_server(Echo(), server)
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    server.wait_for_termination()


if __name__ == "__main__":
    main()
