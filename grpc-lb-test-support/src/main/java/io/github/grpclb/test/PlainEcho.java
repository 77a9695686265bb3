package io.github.grpclb.test;

import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.stub.StreamObserver;

/**
 * The Echo service at its plainest (answers with the message), for servers that a gRPC starter runs in a test.
 */
public class PlainEcho extends EchoServiceGrpc.EchoServiceImplBase {

	@Override
	public void echo(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
		responseObserver.onNext(EchoReply.newBuilder().setMessage(request.getMessage()).build());
		responseObserver.onCompleted();
	}

}
