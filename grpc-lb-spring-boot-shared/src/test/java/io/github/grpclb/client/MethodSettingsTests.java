package io.github.grpclb.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Per-method settings against real servers: the client's deadline cuts unary calls but never a stream, a method
 * entry's deadline cuts its stream, and hedging gets an idempotent call answered past a backend that hangs.
 */
class MethodSettingsTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(1);

	private final List<Server> servers = new ArrayList<>();

	private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();

	@AfterEach
	void stop() throws InterruptedException {
		this.ticks.shutdownNow();
		for (Server server : this.servers) {
			server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void theClientDeadlineCutsAHangingUnaryCallButNotAStreamThatOutlivesIt() throws IOException {
		int port = Backends.freePort();
		start("127.0.0.2", port, true, new AtomicInteger());
		TestContexts.runner()
			.withBean(Stubs.class)
			.withPropertyValues("grpc.lb.clients.orders.target=127.0.0.2:" + port,
					"grpc.lb.clients.orders.deadline=500ms")
			.run((context) -> {
				Stubs stubs = context.getBean(Stubs.class);
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> stubs.blocking.echo(EchoRequest.newBuilder().setMessage("hang").build()))
					.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
				// Ten replies 200ms apart: the stream lives 2s, four times the client's deadline.
				List<String> replies = new ArrayList<>();
				Iterator<EchoReply> stream = stubs.blocking.watch(EchoRequest.newBuilder().setMessage("tick").build());
				stream.forEachRemaining((reply) -> replies.add(reply.getMessage()));
				assertThat(replies).hasSize(10);
			});
	}

	@Test
	void aMethodEntryDeadlineCutsItsOwnStream() throws IOException {
		int port = Backends.freePort();
		start("127.0.0.2", port, true, new AtomicInteger());
		TestContexts.runner()
			.withBean(Stubs.class)
			.withPropertyValues("grpc.lb.clients.orders.target=127.0.0.2:" + port,
					"grpc.lb.clients.orders.methods[0].name=lbtest.EchoService/Watch",
					"grpc.lb.clients.orders.methods[0].deadline=700ms")
			.run((context) -> {
				Iterator<EchoReply> stream = context.getBean(Stubs.class).blocking
					.watch(EchoRequest.newBuilder().setMessage("tick").build());
				List<String> replies = new ArrayList<>();
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> stream.forEachRemaining((reply) -> replies.add(reply.getMessage())))
					.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
				assertThat(replies).hasSizeBetween(1, 5);
			});
	}

	@Test
	void hedgingAnswersEveryCallOfAnIdempotentMethodPastABackendThatHangs() throws IOException {
		int port = Backends.freePort();
		AtomicInteger hung = new AtomicInteger();
		AtomicInteger answered = new AtomicInteger();
		start("127.0.0.2", port, true, hung);
		start("127.0.0.3", port, false, answered);
		String target = "grpc.lb.clients.orders.target=static:///127.0.0.2:" + port + ",127.0.0.3:" + port;
		TestContexts.runner()
			.withBean(Stubs.class)
			.withPropertyValues(target, "grpc.lb.clients.orders.outlier-detection.enabled=false",
					"grpc.lb.clients.orders.methods[0].name=lbtest.EchoService/Echo",
					"grpc.lb.clients.orders.methods[0].idempotent=true",
					"grpc.lb.clients.orders.methods[0].deadline=2s",
					"grpc.lb.clients.orders.methods[0].hedging.max-attempts=2",
					"grpc.lb.clients.orders.methods[0].hedging.delay=100ms")
			.run((context) -> {
				Stubs stubs = context.getBean(Stubs.class);
				// Until the answering backend is connected too, a call and its hedge can both land on the other.
				org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
					try {
						stubs.future.echo(EchoRequest.newBuilder().setMessage("warm").build()).get(3, TimeUnit.SECONDS);
					}
					catch (ExecutionException ex) {
						// Only the hanging backend was connected yet.
					}
					return answered.get() > 0;
				});
				hung.set(0);
				for (int i = 0; i < 20; i++) {
					assertThat(stubs.future.echo(EchoRequest.newBuilder().setMessage("h" + i).build())
						.get(5, TimeUnit.SECONDS)
						.getServedBy()).isEqualTo("127.0.0.3:" + port);
				}
				System.out.printf("hedging: 20 of 20 calls answered; attempts that reached the hanging backend: %d%n",
						hung.get());
				assertThat(hung.get()).as("attempts that reached the hanging backend").isPositive();
			});
		// The same without hedging: calls that pick the hanging backend run into the deadline.
		TestContexts.runner()
			.withBean(Stubs.class)
			.withPropertyValues(target, "grpc.lb.clients.orders.outlier-detection.enabled=false",
					"grpc.lb.clients.orders.deadline=300ms")
			.run((context) -> {
				Stubs stubs = context.getBean(Stubs.class);
				int failed = 0;
				for (int i = 0; i < 20; i++) {
					try {
						stubs.future.echo(EchoRequest.newBuilder().setMessage("n" + i).build()).get(5, TimeUnit.SECONDS);
					}
					catch (ExecutionException ex) {
						failed++;
					}
				}
				assertThat(failed).as("failed calls without hedging").isPositive();
			});
	}

	/** A backend whose Echo hangs (or answers), and whose Watch sends ten replies 200ms apart. */
	private void start(String host, int port, boolean hang, AtomicInteger calls) throws IOException {
		Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
			.addService(new EchoServiceGrpc.EchoServiceImplBase() {
				@Override
				public void echo(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
					calls.incrementAndGet();
					if (!hang) {
						responseObserver.onNext(EchoReply.newBuilder()
							.setMessage(request.getMessage())
							.setServedBy(host + ":" + port)
							.build());
						responseObserver.onCompleted();
					}
				}

				@Override
				public void watch(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
					AtomicInteger sent = new AtomicInteger();
					Runnable[] tick = new Runnable[1];
					tick[0] = () -> {
						try {
							responseObserver.onNext(EchoReply.newBuilder().setMessage("tick-" + sent.get()).build());
							if (sent.incrementAndGet() == 10) {
								responseObserver.onCompleted();
							}
							else {
								MethodSettingsTests.this.ticks.schedule(tick[0], 200, TimeUnit.MILLISECONDS);
							}
						}
						catch (RuntimeException ex) {
							// The client went away (deadline): stop ticking.
						}
					};
					tick[0].run();
				}
			})
			.build()
			.start();
		this.servers.add(server);
	}

	static class Stubs {

		@GrpcLbClient("orders")
		EchoServiceGrpc.EchoServiceBlockingStub blocking;

		@GrpcLbClient("orders")
		EchoServiceGrpc.EchoServiceFutureStub future;

	}

}
