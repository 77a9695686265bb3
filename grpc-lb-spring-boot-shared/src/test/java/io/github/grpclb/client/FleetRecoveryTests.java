package io.github.grpclb.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When every backend is gone, calls wait at most the failover wait (2s) for a replacement, then fail fast; when one
 * comes back they work again within about a second, not after grpc-java's connect backoff (which has grown to
 * several seconds after ten seconds down).
 */
class FleetRecoveryTests {

	private Server server;

	@AfterEach
	void stop() throws InterruptedException {
		if (this.server != null) {
			this.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void whenTheWholeFleetIsDownCallsFailFastAndWorkAgainWithinAboutASecondOfAPodReturning() throws Exception {
		int port = Backends.freePort();
		start(port);
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=127.0.0.2:" + port,
					"grpc.lb.clients.orders.deadline=5s")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				assertThat(stub.echo(EchoRequest.newBuilder().setMessage("up").build()).getMessage()).isEqualTo("up");
				this.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
				long lost = System.nanoTime();
				// Ten seconds down, calling all the time: grpc-java's reconnect backoff grows meanwhile.
				long downUntil = lost + Duration.ofSeconds(10).toNanos();
				long slowest = 0;
				long slowestLater = 0;
				int failed = 0;
				while (System.nanoTime() < downUntil) {
					long start = System.nanoTime();
					try {
						stub.echo(EchoRequest.newBuilder().setMessage("down").build());
					}
					catch (StatusRuntimeException ex) {
						assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
						failed++;
					}
					long took = System.nanoTime() - start;
					slowest = Math.max(slowest, took);
					if (start - lost > Duration.ofMillis(2500).toNanos()) {
						slowestLater = Math.max(slowestLater, took);
					}
					Thread.sleep(20);
				}
				start(port);
				long back = System.nanoTime();
				while (true) {
					try {
						stub.echo(EchoRequest.newBuilder().setMessage("back").build());
						break;
					}
					catch (StatusRuntimeException ex) {
						Thread.sleep(20);
					}
				}
				Duration recovery = Duration.ofNanos(System.nanoTime() - back);
				System.out.printf("fleet down 10s: %d calls failed, slowest %d ms (the first ones wait up to the 2s "
						+ "failover wait; deadline 5s), slowest after that %d ms; first success %d ms after the pod "
						+ "returned%n", failed, slowest / 1_000_000, slowestLater / 1_000_000, recovery.toMillis());
				assertThat(failed).isPositive();
				assertThat(Duration.ofNanos(slowest)).as("no call waits longer than the failover wait")
					.isLessThan(Duration.ofMillis(2500));
				assertThat(Duration.ofNanos(slowestLater)).as("after the failover wait, calls fail fast")
					.isLessThan(Duration.ofMillis(500));
				assertThat(recovery).as("calls work again after the pod returned").isLessThan(Duration.ofSeconds(3));
			});
	}

	private void start(int port) throws IOException {
		this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.2", port))
			.addService(new EchoServiceGrpc.EchoServiceImplBase() {
				@Override
				public void echo(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
					responseObserver.onNext(EchoReply.newBuilder().setMessage(request.getMessage()).build());
					responseObserver.onCompleted();
				}
			})
			.build()
			.start();
	}

}
