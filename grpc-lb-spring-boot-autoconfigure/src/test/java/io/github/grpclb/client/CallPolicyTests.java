package io.github.grpclb.client;

import java.time.Duration;

import io.github.grpclb.metrics.GrpcLbMeters;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The service config the starter builds: retries route around a failing backend, and the deadline holds.
 */
class CallPolicyTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	@Test
	void whenOneBackendAnswersUnavailableThenRetriesOnTheNextBackendAndNoCallFails() {
		Backends.Backend failing = backends().all().get(2);
		TestContexts.runnerWithMetrics()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port(),
					"grpc.lb.clients.orders.retry.initial-backoff=5ms", "grpc.lb.clients.orders.retry.max-backoff=10ms")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				DistributionTests.warmUp(stub, backends());
				failing.mode(Backends.Mode.UNAVAILABLE);
				for (int i = 0; i < 500; i++) {
					assertThat(stub.echo(EchoRequest.newBuilder().setMessage("call").build()).getServedBy())
						.isNotEqualTo(failing.address());
				}
				assertThat(failing.received()).as("the failing backend kept getting first attempts").isPositive();
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get(GrpcLbMeters.CALLS)
					.tag(GrpcLbMeters.TAG_BACKEND, failing.address())
					.tag(GrpcLbMeters.TAG_STATUS, "UNAVAILABLE")
					.timer()
					.count()).isPositive();
			});
	}

	@Test
	void aRetryGoesToABackendTheCallHasNotFailedOn() {
		Backends.Backend failing = backends().all().get(2);
		// Two attempts and no ejection: every call whose retry went back to the failing backend would fail.
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port(),
					"grpc.lb.clients.orders.outlier-detection.enabled=false",
					"grpc.lb.clients.orders.retry.max-attempts=2", "grpc.lb.clients.orders.retry.initial-backoff=1ms",
					"grpc.lb.clients.orders.retry.max-backoff=2ms")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				DistributionTests.warmUp(stub, backends());
				failing.mode(Backends.Mode.UNAVAILABLE);
				java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
				java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
				try {
					java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
					for (int t = 0; t < 8; t++) {
						done.add(pool.submit(() -> {
							for (int i = 0; i < 250; i++) {
								try {
									stub.echo(EchoRequest.newBuilder().setMessage("call").build());
								}
								catch (io.grpc.StatusRuntimeException ex) {
									failed.incrementAndGet();
								}
							}
						}));
					}
					for (java.util.concurrent.Future<?> future : done) {
						future.get(60, java.util.concurrent.TimeUnit.SECONDS);
					}
				}
				finally {
					pool.shutdownNow();
				}
				System.out.printf("retry elsewhere: 2000 calls, 8 threads, 1 of 5 backends UNAVAILABLE, 2 attempts: "
						+ "%d failed, %d first attempts on the failing backend%n", failed.get(), failing.received());
				assertThat(failing.received()).as("attempts that reached the failing backend").isGreaterThan(100);
				assertThat(failed.get()).as("calls that failed").isZero();
			});
	}

	@Test
	void whenNoBackendIsReachableThenTheCallFailsUnavailableAndIsRecordedWithoutABackend() {
		int closedPort = backends().port();
		backends().close();
		TestContexts.runnerWithMetrics()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=127.0.0.2:" + closedPort,
					"grpc.lb.clients.orders.retry.initial-backoff=5ms", "grpc.lb.clients.orders.retry.max-backoff=10ms")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> stub.echo(EchoRequest.getDefaultInstance()))
					.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get(GrpcLbMeters.CALLS)
					.tag(GrpcLbMeters.TAG_BACKEND, GrpcLbMeters.UNKNOWN_BACKEND)
					.tag(GrpcLbMeters.TAG_STATUS, "UNAVAILABLE")
					.timer()
					.count()).isPositive();
			});
	}

	@Test
	void whenADeadlineIsSetThenCallsToAHangingBackendEndWithDeadlineExceeded() {
		backends().all().forEach((backend) -> backend.mode(Backends.Mode.HANG));
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port(),
					"grpc.lb.clients.orders.deadline=300ms")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				long start = System.nanoTime();
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> stub.echo(EchoRequest.getDefaultInstance()))
					.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
			});
	}

}
