package io.github.grpclb.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.grpclb.channel.HealthCheckLogBridge;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Client-side health checking, on by default: a backend that reports NOT_SERVING on grpc.health.v1 gets no new
 * call; one without the health service counts as healthy, said once per backend through SLF4J.
 */
class HealthCheckingTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(2);

	private final List<Server> servers = new ArrayList<>();

	@AfterEach
	void stopServers() throws InterruptedException {
		for (Server server : this.servers) {
			server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void whenABackendReportsNotServingThenItGetsNoNewCallWithinTwoSecondsAndComesBackWhenServingAgain()
			throws IOException {
		int port = Backends.freePort();
		HealthStatusManager first = new HealthStatusManager();
		HealthStatusManager second = new HealthStatusManager();
		AtomicInteger firstCalls = new AtomicInteger();
		AtomicInteger secondCalls = new AtomicInteger();
		start("127.0.0.2", port, first, firstCalls);
		start("127.0.0.3", port, second, secondCalls);
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=static:///127.0.0.2:" + port + ",127.0.0.3:" + port)
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					stub.echo(EchoRequest.newBuilder().setMessage("warm").build());
					assertThat(firstCalls.get()).isPositive();
					assertThat(secondCalls.get()).isPositive();
				});
				second.setStatus("", ServingStatus.NOT_SERVING);
				long flipped = System.nanoTime();
				// From 2s after the flip, count where calls go.
				while (System.nanoTime() - flipped < Duration.ofSeconds(2).toNanos()) {
					stub.echo(EchoRequest.newBuilder().setMessage("during").build());
				}
				int before = secondCalls.get();
				for (int i = 0; i < 200; i++) {
					stub.echo(EchoRequest.newBuilder().setMessage("after").build());
				}
				System.out.printf("NOT_SERVING backend: %d of 200 calls from 2s after the flip%n",
						secondCalls.get() - before);
				assertThat(secondCalls.get() - before).as("calls to the NOT_SERVING backend from 2s after").isZero();
				second.setStatus("", ServingStatus.SERVING);
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					stub.echo(EchoRequest.newBuilder().setMessage("back").build());
					assertThat(secondCalls.get()).as("back in rotation").isGreaterThan(before);
				});
			});
	}

	@Test
	void whenHealthCheckingIsOffThenANotServingBackendStillGetsCalls() throws IOException {
		int port = Backends.freePort();
		HealthStatusManager second = new HealthStatusManager();
		AtomicInteger secondCalls = new AtomicInteger();
		start("127.0.0.2", port, new HealthStatusManager(), new AtomicInteger());
		start("127.0.0.3", port, second, secondCalls);
		second.setStatus("", ServingStatus.NOT_SERVING);
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=static:///127.0.0.2:" + port + ",127.0.0.3:" + port,
					"grpc.lb.clients.orders.health-check.enabled=false")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				for (int i = 0; i < 100; i++) {
					stub.echo(EchoRequest.newBuilder().setMessage("x").build());
				}
				assertThat(secondCalls.get()).isBetween(40, 60);
			});
	}

	@Test
	void aBackendWithoutTheHealthServiceIsHealthyAndSaidSoOnceThroughSlf4jWithTheClient() {
		ListAppender<ILoggingEvent> warnings = new ListAppender<>();
		warnings.start();
		Logger bridgeLogger = (Logger) LoggerFactory.getLogger(HealthCheckLogBridge.class);
		bridgeLogger.addAppender(warnings);
		List<LogRecord> severe = new CopyOnWriteArrayList<>();
		Handler capture = new Handler() {
			@Override
			public void publish(LogRecord record) {
				if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
					severe.add(record);
				}
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}
		};
		java.util.logging.Logger grpcLogger = java.util.logging.Logger
			.getLogger("io.grpc.protobuf.services.HealthCheckingLoadBalancerFactory");
		grpcLogger.addHandler(capture);
		Backends backends = this.backendsExtension.get();
		// The test backends serve grpc.health.v1 unless told not to.
		backends.all().forEach((backend) -> backend.healthService(false));
		try {
			TestContexts.runner()
				.withBean(DistributionTests.ConstructorInjected.class)
				.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends.port())
				.run((context) -> {
					EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
					// Until each connection has had its health-check answer, it gets no calls.
					await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
						stub.echo(EchoRequest.newBuilder().setMessage("warm").build());
						assertThat(backends.all()).allSatisfy((backend) -> assertThat(backend.calls()).isPositive());
					});
					backends.resetCallCounts();
					for (int i = 0; i < 100; i++) {
						stub.echo(EchoRequest.newBuilder().setMessage("x").build());
					}
					assertThat(backends.all()).allSatisfy((backend) -> assertThat(backend.calls()).isBetween(40, 60));
				});
			assertThat(warnings.list).extracting(ILoggingEvent::getFormattedMessage)
				.hasSize(2)
				.allSatisfy((message) -> assertThat(message).contains("gRPC client 'orders'")
					.contains("does not serve grpc.health.v1"))
				.anySatisfy((message) -> assertThat(message).contains(backends.all().get(0).address()))
				.anySatisfy((message) -> assertThat(message).contains(backends.all().get(1).address()));
			assertThat(severe).as("grpc-java's SEVERE line").isEmpty();
		}
		finally {
			bridgeLogger.detachAppender(warnings);
			grpcLogger.removeHandler(capture);
		}
	}

	private void start(String host, int port, HealthStatusManager health, AtomicInteger calls) throws IOException {
		Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
			.addService(health.getHealthService())
			.addService(new EchoServiceGrpc.EchoServiceImplBase() {
				@Override
				public void echo(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
					calls.incrementAndGet();
					responseObserver.onNext(EchoReply.newBuilder()
						.setMessage(request.getMessage())
						.setServedBy(host + ":" + port)
						.build());
					responseObserver.onCompleted();
				}
			})
			.build()
			.start();
		this.servers.add(server);
	}

}
