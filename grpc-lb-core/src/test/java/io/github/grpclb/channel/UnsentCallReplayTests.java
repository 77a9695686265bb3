package io.github.grpclb.channel;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link UnsentCallReplay} against a real server over HTTP/2. grpc-java's race (a connection closing just as a call's
 * headers are written, grpc/grpc-java#10120) cannot be produced on demand, so a {@link Race} interceptor between the
 * replay and the channel ends chosen attempts exactly as grpc-java does then — before anything reaches the server,
 * with {@code UNKNOWN} and a {@link ClosedChannelException} cause — and lets the others through to the server. The
 * fault scenario with an abrupt kill ({@code FaultScenarioTests}) meets the real race.
 */
class UnsentCallReplayTests {

	private final AtomicInteger unaryCalls = new AtomicInteger();

	private final AtomicInteger streamingCalls = new AtomicInteger();

	private final List<AutoCloseable> resources = new ArrayList<>();

	private ManagedChannel channel;

	/** When set, the server answers unary calls with this status instead of a reply. */
	private volatile Status serverStatus;

	@BeforeEach
	void startServer() throws IOException {
		int port = Backends.freePort();
		Server server = NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", port))
			.addService(new EchoServiceGrpc.EchoServiceImplBase() {

				@Override
				public void echo(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
					UnsentCallReplayTests.this.unaryCalls.incrementAndGet();
					Status status = UnsentCallReplayTests.this.serverStatus;
					if (status != null) {
						responseObserver.onError(status.asRuntimeException());
						return;
					}
					responseObserver.onNext(EchoReply.newBuilder().setMessage(request.getMessage()).build());
					responseObserver.onCompleted();
				}

				@Override
				public void watch(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
					UnsentCallReplayTests.this.streamingCalls.incrementAndGet();
					for (int i = 0; i < 3; i++) {
						responseObserver.onNext(EchoReply.newBuilder().setMessage(request.getMessage() + i).build());
					}
					responseObserver.onCompleted();
				}

			})
			.build()
			.start();
		this.resources.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
		this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
		this.resources.add(() -> this.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
	}

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable resource : this.resources) {
			resource.close();
		}
	}

	@Test
	void whenGrpcJavaFailsAUnaryCallBeforeSendingItThenTheCallIsSentAgainAndSucceeds() {
		Race race = new Race(1, false);
		EchoReply reply = stub(race).echo(request("once"));
		assertThat(reply.getMessage()).isEqualTo("once");
		assertThat(race.attempts).as("attempts").hasValue(2);
		assertThat(this.unaryCalls).as("calls the server received").hasValue(1);
	}

	@Test
	void whenTheRaceHitsEveryAttemptThenTheCallFailsAfterTwoReplaysWithGrpcJavasStatus() {
		Race race = new Race(Integer.MAX_VALUE, false);
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> stub(race).echo(request("never")))
			.satisfies((ex) -> {
				assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
				assertThat(ex.getStatus().getDescription()).isEqualTo("channel closed");
			});
		assertThat(race.attempts).as("attempts: the call and %d replays", UnsentCallReplay.MAX_REPLAYS)
			.hasValue(1 + UnsentCallReplay.MAX_REPLAYS);
		assertThat(this.unaryCalls).hasValue(0);
	}

	@Test
	void whenAServerStreamingCallIsFailedBeforeSendingThenItIsSentAgainAndEveryMessageArrivesOnce() {
		Race race = new Race(1, false);
		List<String> messages = new ArrayList<>();
		stub(race).watch(request("m")).forEachRemaining((reply) -> messages.add(reply.getMessage()));
		assertThat(messages).containsExactly("m0", "m1", "m2");
		assertThat(race.attempts).hasValue(2);
		assertThat(this.streamingCalls).hasValue(1);
	}

	@Test
	void whenTheServerItselfAnswersUnknownChannelClosedThenTheCallIsNotSentAgain() {
		this.serverStatus = Status.UNKNOWN.withDescription("channel closed");
		Race race = new Race(0, false);
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> stub(race).echo(request("app")))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
		assertThat(race.attempts).as("a status from the server has no local cause").hasValue(1);
		assertThat(this.unaryCalls).hasValue(1);
	}

	@Test
	void whenResponseHeadersArrivedBeforeTheFailureThenTheCallIsNotSentAgain() {
		Race race = new Race(1, true);
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> stub(race).echo(request("late")))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
		assertThat(race.attempts).as("an answered attempt is final").hasValue(1);
	}

	@Test
	void whenTheCallStreamsRequestsThenItIsNotSentAgain() {
		MethodDescriptor<EchoRequest, EchoReply> clientStreaming = EchoServiceGrpc.getEchoMethod()
			.toBuilder()
			.setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
			.build();
		Race race = new Race(1, false);
		Channel channel = ClientInterceptors.intercept(this.channel, race, UnsentCallReplay.interceptor());
		ClientCall<EchoRequest, EchoReply> call = channel.newCall(clientStreaming, CallOptions.DEFAULT);
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> ClientCalls.blockingUnaryCall(call, request("stream")))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
		assertThat(race.attempts).as("its messages are not kept for a replay").hasValue(1);
	}

	@Test
	void whenTheCallerCancelsThenNothingIsSentAgain() {
		Race race = new Race(1, false);
		Channel channel = ClientInterceptors.intercept(this.channel, race, UnsentCallReplay.interceptor());
		ClientCall<EchoRequest, EchoReply> call = channel.newCall(EchoServiceGrpc.getEchoMethod(), CallOptions.DEFAULT);
		race.beforeFailing = () -> call.cancel("caller gave up", null);
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> ClientCalls.blockingUnaryCall(call, request("cancel")));
		assertThat(race.attempts).hasValue(1);
		assertThat(this.unaryCalls).hasValue(0);
	}

	private EchoServiceGrpc.EchoServiceBlockingStub stub(Race race) {
		// The race sits between the replay and the channel, where grpc-java's transport would fail the write.
		return EchoServiceGrpc.newBlockingStub(ClientInterceptors.intercept(this.channel, race,
				UnsentCallReplay.interceptor()))
			.withDeadlineAfter(10, TimeUnit.SECONDS);
	}

	private static EchoRequest request(String message) {
		return EchoRequest.newBuilder().setMessage(message).build();
	}

	/**
	 * Ends the first {@code failing} attempts as grpc-java does when the connection closes under a call's first write:
	 * nothing reaches the server, the listener hears {@code UNKNOWN "channel closed"} with a
	 * {@link ClosedChannelException} cause (optionally after response headers, which grpc-java never does in that
	 * race, to show an answered attempt stays final). Later attempts go to the server untouched.
	 */
	private static final class Race implements ClientInterceptor {

		final AtomicInteger attempts = new AtomicInteger();

		private final int failing;

		private final boolean headersFirst;

		volatile Runnable beforeFailing = () -> {
		};

		Race(int failing, boolean headersFirst) {
			this.failing = failing;
			this.headersFirst = headersFirst;
		}

		@Override
		public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
				CallOptions callOptions, Channel next) {
			if (this.attempts.incrementAndGet() > this.failing) {
				return next.newCall(method, callOptions);
			}
			return new ClientCall<>() {

				private Listener<RespT> listener;

				@Override
				public void start(Listener<RespT> responseListener, Metadata headers) {
					this.listener = responseListener;
				}

				@Override
				public void request(int numMessages) {
				}

				@Override
				public void cancel(String message, Throwable cause) {
				}

				@Override
				public void halfClose() {
					Race.this.beforeFailing.run();
					if (Race.this.headersFirst) {
						this.listener.onHeaders(new Metadata());
					}
					ClosedChannelException closed = new ClosedChannelException();
					this.listener.onClose(Status.UNKNOWN.withDescription("channel closed").withCause(closed),
							new Metadata());
				}

				@Override
				public void sendMessage(ReqT message) {
				}

			};
		}

	}

}
