package io.github.grpclb.channel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.google.common.util.concurrent.ListenableFuture;
import io.github.grpclb.client.GrpcLbClient;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Closing the context closes every channel in parallel within one shutdown-timeout budget, then cancels what is
 * still running.
 */
class ShutdownTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5, Backends.Mode.HANG);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	@Test
	void whenFiveChannelsHaveCallsThatNeverEndThenCloseReturnsWithinTheTotalShutdownTimeout() {
		List<String> properties = new ArrayList<>(List.of("grpc.lb.shutdown-timeout=2s"));
		for (int i = 0; i < 5; i++) {
			properties.add("grpc.lb.clients.c" + i + ".target=127.0.0." + (2 + i) + ":" + backends().port());
		}
		List<CountDownLatch> arrived = backends().all().stream().map((backend) -> backend.expectCalls(1)).toList();
		List<ListenableFuture<EchoReply>> inFlight = new ArrayList<>();
		long[] closeNanos = new long[1];
		TestContexts.runner().withBean(FiveClients.class).withPropertyValues(properties.toArray(String[]::new))
			.run((context) -> {
				FiveClients clients = context.getBean(FiveClients.class);
				for (EchoServiceGrpc.EchoServiceFutureStub stub : clients.all()) {
					inFlight.add(stub.echo(EchoRequest.newBuilder().setMessage("never answered").build()));
				}
				for (CountDownLatch latch : arrived) {
					assertThat(latch.await(10, TimeUnit.SECONDS)).as("call reached its backend").isTrue();
				}
				assertThat(context.getBean(GrpcLbChannelRegistry.class).openChannels()).isEqualTo(5);
				long start = System.nanoTime();
				((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
				closeNanos[0] = System.nanoTime() - start;
			});
		Duration closeTime = Duration.ofNanos(closeNanos[0]);
		assertThat(closeTime).as("waited for the in-flight calls first").isGreaterThanOrEqualTo(Duration.ofMillis(1900));
		assertThat(closeTime).as("one 2s budget for all five, not 2s each").isLessThan(Duration.ofSeconds(3));
		for (ListenableFuture<EchoReply> call : inFlight) {
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> call.get(5, TimeUnit.SECONDS))
				.satisfies((ex) -> assertThat(Status.fromThrowable(ex).getCode())
					.isIn(Status.Code.CANCELLED, Status.Code.UNAVAILABLE));
		}
	}

	@Test
	void whenDialingPerRequestThenCallsInFlightAtCloseAreCancelledWithinTheShutdownTimeout() {
		List<CountDownLatch> arrived = backends().all().stream().map((backend) -> backend.expectCalls(1)).toList();
		List<ListenableFuture<EchoReply>> inFlight = new ArrayList<>();
		long[] closeNanos = new long[1];
		TestContexts.runner().withBean(FiveClients.class)
			.withPropertyValues("grpc.lb.shutdown-timeout=1s", "grpc.lb.pooling.enabled=false")
			.withPropertyValues(clientTargets())
			.run((context) -> {
				for (EchoServiceGrpc.EchoServiceFutureStub stub : context.getBean(FiveClients.class).all()) {
					inFlight.add(stub.echo(EchoRequest.newBuilder().setMessage("never answered").build()));
				}
				for (CountDownLatch latch : arrived) {
					assertThat(latch.await(10, TimeUnit.SECONDS)).as("call reached its backend").isTrue();
				}
				GrpcLbChannelRegistry registry = context.getBean(GrpcLbChannelRegistry.class);
				assertThat(registry.openChannels()).as("one single-call channel per call in flight").isEqualTo(5);
				long start = System.nanoTime();
				((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
				closeNanos[0] = System.nanoTime() - start;
				assertThat(registry.openChannels()).isZero();
			});
		assertThat(Duration.ofNanos(closeNanos[0])).isBetween(Duration.ofMillis(900), Duration.ofSeconds(2));
		for (ListenableFuture<EchoReply> call : inFlight) {
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> call.get(5, TimeUnit.SECONDS));
		}
	}

	@Test
	void whenNoCallIsInFlightThenCloseDoesNotWaitForTheTimeout() {
		backends().all().forEach((backend) -> backend.mode(Backends.Mode.ECHO));
		long[] closeNanos = new long[1];
		TestContexts.runner().withBean(FiveClients.class)
			.withPropertyValues("grpc.lb.shutdown-timeout=30s")
			.withPropertyValues(clientTargets())
			.run((context) -> {
				for (EchoServiceGrpc.EchoServiceFutureStub stub : context.getBean(FiveClients.class).all()) {
					assertThat(stub.echo(EchoRequest.getDefaultInstance()).get(5, TimeUnit.SECONDS)).isNotNull();
				}
				long start = System.nanoTime();
				((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
				closeNanos[0] = System.nanoTime() - start;
			});
		assertThat(Duration.ofNanos(closeNanos[0])).isLessThan(Duration.ofSeconds(5));
	}

	private String[] clientTargets() {
		String[] properties = new String[5];
		for (int i = 0; i < 5; i++) {
			properties[i] = "grpc.lb.clients.c" + i + ".target=127.0.0." + (2 + i) + ":" + backends().port();
		}
		return properties;
	}

	static class FiveClients {

		@GrpcLbClient("c0")
		EchoServiceGrpc.EchoServiceFutureStub c0;

		@GrpcLbClient("c1")
		EchoServiceGrpc.EchoServiceFutureStub c1;

		@GrpcLbClient("c2")
		EchoServiceGrpc.EchoServiceFutureStub c2;

		@GrpcLbClient("c3")
		EchoServiceGrpc.EchoServiceFutureStub c3;

		@GrpcLbClient("c4")
		EchoServiceGrpc.EchoServiceFutureStub c4;

		List<EchoServiceGrpc.EchoServiceFutureStub> all() {
			return List.of(this.c0, this.c1, this.c2, this.c3, this.c4);
		}

	}

}
