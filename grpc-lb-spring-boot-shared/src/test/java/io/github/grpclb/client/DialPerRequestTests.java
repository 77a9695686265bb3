package io.github.grpclb.client;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

import io.github.grpclb.channel.DialPerRequestChannelRegistry;
import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.metrics.GrpcLbMeters;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The rollback mode: with pooling disabled the same calling code dials one connection per call, to one backend,
 * and leaves no channel or thread behind.
 */
class DialPerRequestTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	@Test
	void whenPoolingDisabledThenEachCallDialsAFreshConnectionAndNothingIsLeftOpen() {
		Set<Thread> baseline = liveThreads();
		TestContexts.runnerWithMetrics()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.pooling.enabled=false",
					"grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port())
			.run((context) -> {
				GrpcLbChannelRegistry registry = context.getBean(GrpcLbChannelRegistry.class);
				assertThat(registry).isInstanceOf(DialPerRequestChannelRegistry.class);
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;

				for (int i = 0; i < 1000; i++) {
					assertThat(stub.echo(EchoRequest.newBuilder().setMessage("call-" + i).build()).getMessage())
						.isEqualTo("call-" + i);
				}

				System.out.printf("dial-per-request, 1000 calls: served %s, connections %s%n", backends().callCounts(),
						backends().connectionCounts());
				assertThat(backends().callCounts().values().stream().mapToInt(Integer::intValue).sum())
					.isEqualTo(1000);
				assertThat(backends().connectionCounts().values().stream().mapToInt(Integer::intValue).sum())
					.as("one connection per call, to one backend only")
					.isEqualTo(1000);
				assertThat(backends().connectionCounts()).allSatisfy((address, connections) -> assertThat(connections)
					.as("connections to %s (shuffled pick_first, expected ~200)", address)
					.isGreaterThan(100));
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get(GrpcLbMeters.DIALS).tag(GrpcLbMeters.TAG_CLIENT, "orders").counter().count())
					.isEqualTo(1000.0);
				assertThat(registry.openChannels()).as("single-call channels still open").isZero();
				assertThat(meters.get(GrpcLbMeters.CHANNELS).gauge().value()).isZero();
			});
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(names(newThreads(baseline)))
			.as("client threads left after the calls").isEmpty());
	}

	@Test
	void aCallThatIsNeverStartedDialsNothingAndACallCancelledBeforeStartFailsWhenStarted() {
		TestContexts.runner()
			.withPropertyValues("grpc.lb.pooling.enabled=false",
					"grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port())
			.run((context) -> {
				GrpcLbChannelRegistry registry = context.getBean(GrpcLbChannelRegistry.class);
				io.grpc.ManagedChannel channel = registry.channel("orders");
				for (int i = 0; i < 10; i++) {
					channel.newCall(EchoServiceGrpc.getEchoMethod(), io.grpc.CallOptions.DEFAULT);
				}
				assertThat(registry.openChannels()).as("channels of calls that were never started").isZero();
				io.grpc.ClientCall<EchoRequest, io.github.grpclb.test.proto.EchoReply> call = channel
					.newCall(EchoServiceGrpc.getEchoMethod(), io.grpc.CallOptions.DEFAULT);
				call.cancel("changed my mind", null);
				java.util.concurrent.atomic.AtomicReference<io.grpc.Status> closed = new java.util.concurrent.atomic.AtomicReference<>();
				call.start(new io.grpc.ClientCall.Listener<>() {
					@Override
					public void onClose(io.grpc.Status status, io.grpc.Metadata trailers) {
						closed.set(status);
					}
				}, new io.grpc.Metadata());
				assertThat(closed.get().getCode()).isEqualTo(io.grpc.Status.Code.CANCELLED);
				assertThat(registry.openChannels()).isZero();
				assertThat(backends().connectionCounts().values().stream().mapToInt(Integer::intValue).sum()).isZero();
			});
	}

	@Test
	void shuttingOneClientsChannelDownLeavesTheCallsOfAnotherClientAlone() throws Exception {
		backends().all().forEach((backend) -> backend.mode(Backends.Mode.HANG));
		TestContexts.runner()
			.withPropertyValues("grpc.lb.pooling.enabled=false",
					"grpc.lb.clients.a.target=127.0.0.2:" + backends().port(),
					"grpc.lb.clients.b.target=127.0.0.3:" + backends().port())
			.run((context) -> {
				GrpcLbChannelRegistry registry = context.getBean(GrpcLbChannelRegistry.class);
				java.util.concurrent.CountDownLatch arrivedA = backends().all().get(0).expectCalls(1);
				java.util.concurrent.CountDownLatch arrivedB = backends().all().get(1).expectCalls(1);
				var callA = EchoServiceGrpc.newFutureStub(registry.channel("a")).echo(EchoRequest.newBuilder().setMessage("a").build());
				var callB = EchoServiceGrpc.newFutureStub(registry.channel("b")).echo(EchoRequest.newBuilder().setMessage("b").build());
				assertThat(arrivedA.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
				assertThat(arrivedB.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
				registry.channel("a").shutdownNow();
				org.assertj.core.api.Assertions.assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
					.isThrownBy(() -> callA.get(10, java.util.concurrent.TimeUnit.SECONDS));
				assertThat(backends().all().get(1).releaseHanging()).isEqualTo(1);
				assertThat(callB.get(10, java.util.concurrent.TimeUnit.SECONDS).getMessage())
					.as("client b's call, untouched by client a's shutdown")
					.isEqualTo("b");
			});
	}

	@Test
	void whenOneBackendAnswersUnavailableThenEachRetryDialsAnotherBackendAndNoCallFails() {
		Backends.Backend failing = backends().all().get(2);
		failing.mode(Backends.Mode.UNAVAILABLE);
		TestContexts.runnerWithMetrics()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.pooling.enabled=false",
					"grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port(),
					"grpc.lb.clients.orders.retry.initial-backoff=5ms", "grpc.lb.clients.orders.retry.max-backoff=10ms")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				int failed = 0;
				for (int i = 0; i < 300; i++) {
					try {
						assertThat(stub.echo(EchoRequest.newBuilder().setMessage("call").build()).getServedBy())
							.isNotEqualTo(failing.address());
					}
					catch (io.grpc.StatusRuntimeException ex) {
						failed++;
					}
				}
				System.out.printf("dial-per-request, one backend UNAVAILABLE, 300 calls: %d failed, %d attempts on it, "
						+ "%d connections in all%n", failed, failing.received(),
						backends().connectionCounts().values().stream().mapToInt(Integer::intValue).sum());
				assertThat(failed).as("failed calls").isZero();
				assertThat(failing.received()).as("first attempts that landed on the failing backend").isPositive();
				assertThat(context.getBean(GrpcLbChannelRegistry.class).openChannels()).isZero();
			});
	}

	static Set<Thread> liveThreads() {
		return Thread.getAllStackTraces().keySet();
	}

	static Set<Thread> newThreads(Set<Thread> baseline) {
		return liveThreads().stream()
			.filter(Thread::isAlive)
			.filter((thread) -> !baseline.contains(thread))
			.filter((thread) -> !thread.getName().startsWith(Backends.THREAD_PREFIX))
			.filter((thread) -> !thread.getName().startsWith("awaitility"))
			.collect(Collectors.toSet());
	}

	static Set<String> names(Set<Thread> threads) {
		return threads.stream().map(Thread::getName).collect(Collectors.toSet());
	}

}
