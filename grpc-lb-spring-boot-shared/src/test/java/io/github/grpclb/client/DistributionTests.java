package io.github.grpclb.client;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.metrics.GrpcLbMeters;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Five real backends behind one host name: the starter's pooled round-robin channel spreads calls evenly over
 * exactly one connection per backend, and the metrics say who served what.
 */
class DistributionTests {

	private static Backends backends;

	@BeforeAll
	static void startBackends() {
		backends = Backends.start(5);
	}

	@AfterAll
	static void stopBackends() {
		backends.close();
	}

	private ApplicationContextRunner runner() {
		return TestContexts.runnerWithMetrics()
			.withBean(ConstructorInjected.class)
			.withBean(FieldInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends.port());
	}

	@Test
	void whenPooledRoundRobinThenThousandCallsSpreadEvenlyOverOneConnectionPerBackend() {
		runner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(ConstructorInjected.class).stub;
			warmUpUntilEveryBackendServed(stub);
			Map<String, Integer> before = backends.callCounts();

			for (int i = 0; i < 1000; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("call-" + i).build());
			}

			Map<String, Integer> after = backends.callCounts();
			System.out.printf("pooled round_robin, 1000 calls: served %s, connections %s%n",
					after.entrySet().stream().map((e) -> e.getKey() + "=" + (e.getValue() - before.get(e.getKey()))).toList(),
					backends.connectionCounts());
			assertThat(after).hasSize(5);
			after.forEach((address, count) -> assertThat(count - before.get(address))
				.as("calls served by %s", address)
				.isBetween(199, 201));
			assertThat(backends.connectionCounts()).as("connections per backend").allSatisfy((address, count) ->
					assertThat(count).as("connections to %s", address).isEqualTo(1));
			assertThat(context.getBean(GrpcLbChannelRegistry.class).openChannels()).isEqualTo(1);

			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get(GrpcLbMeters.CHANNELS).gauge().value()).isEqualTo(1.0);
			assertThat(meters.get(GrpcLbMeters.CALLS).timers()).as("one timer per backend").hasSize(5);
			for (Backends.Backend backend : backends.all()) {
				Timer timer = meters.get(GrpcLbMeters.CALLS)
					.tag(GrpcLbMeters.TAG_CLIENT, "orders")
					.tag(GrpcLbMeters.TAG_BACKEND, backend.address())
					.tag(GrpcLbMeters.TAG_STATUS, "OK")
					.timer();
				assertThat(timer.count()).as("attempts recorded for %s", backend).isEqualTo(backend.calls());
			}
		});
	}

	@Test
	void whenInjectedIntoFieldsThenEveryStubKindAndTheChannelsWork() {
		runner().run((context) -> {
			FieldInjected fields = context.getBean(FieldInjected.class);
			EchoRequest request = EchoRequest.newBuilder().setMessage("hi").build();
			assertThat(fields.blocking.echo(request).getMessage()).isEqualTo("hi");
			EchoReply futureReply = fields.future.echo(request).get(5, TimeUnit.SECONDS);
			assertThat(backends.byAddress()).containsKey(futureReply.getServedBy());
			CompletableFuture<EchoReply> asyncReply = new CompletableFuture<>();
			fields.async.echo(request, new StreamObserver<>() {
				@Override
				public void onNext(EchoReply value) {
					asyncReply.complete(value);
				}

				@Override
				public void onError(Throwable t) {
					asyncReply.completeExceptionally(t);
				}

				@Override
				public void onCompleted() {
				}
			});
			assertThat(asyncReply.get(5, TimeUnit.SECONDS).getMessage()).isEqualTo("hi");
			assertThat(EchoServiceGrpc.newBlockingStub(fields.channel).echo(request).getMessage()).isEqualTo("hi");
			assertThat(fields.managed).isSameAs(context.getBean(GrpcLbChannelRegistry.class).channel("orders"));
			assertThat(EchoServiceGrpc.newBlockingStub(fields.managed).echo(request).getMessage()).isEqualTo("hi");
			assertThat(context.getBean(GrpcLbChannelRegistry.class).openChannels())
				.as("every injection point of one client shares one pooled channel")
				.isEqualTo(1);
		});
	}

	static void warmUpUntilEveryBackendServed(EchoServiceGrpc.EchoServiceBlockingStub stub) {
		warmUp(stub, backends);
	}

	static void warmUp(EchoServiceGrpc.EchoServiceBlockingStub stub, Backends backends) {
		// round_robin only picks READY connections: until all of them are up, the first ones get more calls.
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		EchoRequest request = EchoRequest.newBuilder().setMessage("warm-up").build();
		while (backends.all().stream().anyMatch((backend) -> backend.calls() == 0)) {
			assertThat(System.nanoTime()).as("all backends reached within 10s").isLessThan(deadline);
			stub.echo(request);
		}
	}

	static class ConstructorInjected {

		final EchoServiceGrpc.EchoServiceBlockingStub stub;

		ConstructorInjected(@GrpcLbClient("orders") EchoServiceGrpc.EchoServiceBlockingStub stub) {
			this.stub = stub;
		}

	}

	static class FieldInjected {

		@GrpcLbClient("orders")
		EchoServiceGrpc.EchoServiceBlockingStub blocking;

		@GrpcLbClient("orders")
		EchoServiceGrpc.EchoServiceFutureStub future;

		@GrpcLbClient("orders")
		EchoServiceGrpc.EchoServiceStub async;

		@GrpcLbClient("orders")
		Channel channel;

		@GrpcLbClient("orders")
		ManagedChannel managed;

	}

}
