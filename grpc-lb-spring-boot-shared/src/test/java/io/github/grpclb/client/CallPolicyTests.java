package io.github.grpclb.client;

import java.time.Duration;

import io.github.grpclb.metrics.GrpcLbMeters;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
		// Two attempts and no ejection: every call whose retry went back to the failing backend would fail. No retry
		// budget either: with 8 threads, a burst of first attempts failing together can spend it and veto a retry
		// (seen once in many runs); the budget has tests of its own, this one is about where retries go.
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port(),
					"grpc.lb.clients.orders.outlier-detection.enabled=false",
					"grpc.lb.clients.orders.retry.throttling.enabled=false",
					"grpc.lb.clients.orders.retry.max-attempts=2", "grpc.lb.clients.orders.retry.initial-backoff=1ms",
					"grpc.lb.clients.orders.retry.max-backoff=2ms")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				DistributionTests.warmUp(stub, backends());
				failing.mode(Backends.Mode.UNAVAILABLE);
				java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
				java.util.concurrent.atomic.AtomicReference<Throwable> lastFailure = new java.util.concurrent.atomic.AtomicReference<>();
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
									lastFailure.set(ex);
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
						+ "%d failed (last: %s), %d first attempts on the failing backend%n", failed.get(),
						lastFailure.get(), failing.received());
				assertThat(failing.received()).as("attempts that reached the failing backend").isGreaterThan(100);
				assertThat(failed.get()).as("calls that failed (last: %s)", lastFailure.get()).isZero();
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

	/**
	 * Server pushback ({@code grpc-retry-pushback-ms}), pooled and in rollback mode alike: a delay replaces the
	 * retry backoff (5 ms here, so a retry 700 ms later can only come from the pushback), a negative value stops the
	 * retries.
	 */
	@ParameterizedTest(name = "pooling {0}")
	@ValueSource(booleans = { true, false })
	void theServersPushbackDelaysOrStopsTheRetry(boolean pooling) throws Exception {
		int port = Backends.freePort();
		java.util.List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
		java.util.concurrent.atomic.AtomicReference<String> pushback = new java.util.concurrent.atomic.AtomicReference<>();
		io.grpc.Server server = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder
			.forAddress(new java.net.InetSocketAddress("127.0.0.2", port))
			.addService(new EchoServiceGrpc.EchoServiceImplBase() {
				@Override
				public void echo(EchoRequest request, io.grpc.stub.StreamObserver<EchoReply> responseObserver) {
					arrivals.add(System.nanoTime());
					String value = pushback.getAndSet(null);
					if (value != null) {
						Metadata trailers = new Metadata();
						trailers.put(Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER), value);
						responseObserver.onError(Status.UNAVAILABLE.withDescription("busy").asRuntimeException(trailers));
						return;
					}
					responseObserver.onNext(EchoReply.newBuilder().setMessage(request.getMessage()).build());
					responseObserver.onCompleted();
				}
			})
			.build()
			.start();
		try {
			TestContexts.runner()
				.withBean(DistributionTests.ConstructorInjected.class)
				.withPropertyValues("grpc.lb.clients.orders.target=static:///127.0.0.2:" + port,
						"grpc.lb.pooling.enabled=" + pooling, "grpc.lb.clients.orders.retry.initial-backoff=5ms",
						"grpc.lb.clients.orders.retry.max-backoff=5ms")
				.run((context) -> {
					EchoServiceGrpc.EchoServiceBlockingStub stub = context
						.getBean(DistributionTests.ConstructorInjected.class).stub;
					stub.echo(EchoRequest.newBuilder().setMessage("warm").build());

					arrivals.clear();
					pushback.set("700");
					assertThat(stub.echo(EchoRequest.newBuilder().setMessage("later").build()).getMessage())
						.isEqualTo("later");
					assertThat(arrivals).hasSize(2);
					assertThat(Duration.ofNanos(arrivals.get(1) - arrivals.get(0))).as("retry after a 700 ms pushback")
						.isGreaterThanOrEqualTo(Duration.ofMillis(700));

					arrivals.clear();
					pushback.set("-1");
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> stub.echo(EchoRequest.newBuilder().setMessage("never").build()))
						.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
					assertThat(arrivals).as("attempts after a negative pushback").hasSize(1);
				});
		}
		finally {
			server.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
		}
	}

}
