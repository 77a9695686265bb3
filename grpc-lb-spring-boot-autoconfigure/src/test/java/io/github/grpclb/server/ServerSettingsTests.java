package io.github.grpclb.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.github.grpclb.autoconfigure.GrpcLbConfigurationException;
import io.github.grpclb.autoconfigure.GrpcLbServerAutoConfiguration;
import io.github.grpclb.client.GrpcLbClient;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Attributes;
import io.grpc.ManagedChannel;
import io.grpc.ServerTransportFilter;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import net.devh.boot.grpc.server.autoconfigure.GrpcHealthServiceAutoConfiguration;
import net.devh.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration;
import net.devh.boot.grpc.server.autoconfigure.GrpcServerFactoryAutoConfiguration;
import net.devh.boot.grpc.server.serverfactory.GrpcServerConfigurer;
import net.devh.boot.grpc.server.service.GrpcService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code grpc.lb.server.*} on net.devh's gRPC server: the starter's clients (keepalive every 10s, also without
 * calls) keep one connection through idle and busy periods, where net.devh's defaults answer GOAWAY
 * too_many_pings.
 */
class ServerSettingsTests {

	private static ApplicationContextRunner app(int port) {
		return TestContexts.runner()
			.withConfiguration(AutoConfigurations.of(GrpcServerAutoConfiguration.class,
					GrpcServerFactoryAutoConfiguration.class, GrpcHealthServiceAutoConfiguration.class,
					GrpcLbServerAutoConfiguration.class))
			.withUserConfiguration(EchoService.class, ConnectionCounter.class, Caller.class)
			.withPropertyValues("grpc.server.address=127.0.0.1", "grpc.server.port=" + port,
					"grpc.lb.clients.orders.target=127.0.0.1:" + port);
	}

	@Test
	void whenTheStartersClientsPingForMoreThanThreeKeepalivePeriodsThenTheServerKeepsTheirConnection()
			throws Exception {
		app(freePort()).run((configured) -> app(freePort()).withPropertyValues("grpc.lb.server.enabled=false")
			.run((netDevhDefaults) -> {
				Caller ours = configured.getBean(Caller.class);
				Caller control = netDevhDefaults.getBean(Caller.class);
				ours.call(1);
				control.call(1);
				// Idle: the clients ping every 10s; net.devh's defaults allow none without calls.
				Thread.sleep(Duration.ofSeconds(36).toMillis());
				// Busy.
				for (int i = 0; i < 10; i++) {
					ours.call(50);
					control.call(50);
					Thread.sleep(300);
				}
				System.out.printf("keepalive 36s idle + busy: starter-configured server %d connection(s), "
						+ "net.devh defaults %d connection(s)%n", configured.getBean(ConnectionCounter.class).count.get(),
						netDevhDefaults.getBean(ConnectionCounter.class).count.get());
				assertThat(ours.failures.get()).as("failed calls").isZero();
				assertThat(configured.getBean(ConnectionCounter.class).count.get())
					.as("connections to the starter-configured server (a GOAWAY would force a second)")
					.isEqualTo(1);
				assertThat(netDevhDefaults.getBean(ConnectionCounter.class).count.get())
					.as("control: net.devh's defaults answer the idle pings with GOAWAY too_many_pings")
					.isGreaterThanOrEqualTo(2);
			}));
	}

	@Test
	void theHealthServiceAnswersServingAlsoWhenNetDevhsOwnIsOff() {
		int port = freePort();
		app(port).withPropertyValues("grpc.server.health-service-enabled=false").run((context) -> {
			assertThat(context).hasNotFailed();
			ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
			try {
				HealthCheckResponse response = HealthGrpc.newBlockingStub(channel)
					.check(HealthCheckRequest.newBuilder().build());
				assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
			}
			finally {
				channel.shutdownNow();
			}
		});
	}

	@Test
	void whenTheServerWouldRefuseTheClientsPingsThenStartupFailsNamingTheProperty() {
		app(freePort()).withPropertyValues("grpc.lb.server.permit-keepalive-time=30s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(GrpcLbConfigurationException.class)
				.hasMessageContaining("grpc.lb.server.permit-keepalive-time")
				.hasMessageContaining("too_many_pings");
		});
	}

	static Stream<Arguments> clientsTheServerWouldRefuse() {
		return Stream.of(
				// The defaults are fine for the server, but one client pings more often.
				Arguments.of(List.of("grpc.lb.server.permit-keepalive-time=30s", "grpc.lb.defaults.keepalive-time=60s",
						"grpc.lb.clients.orders.keepalive-time=20s"), "grpc.lb.clients.orders.keepalive-time", "PT20S"),
				// A second client, not the one in front: the most frequent pinger is named.
				Arguments.of(List.of("grpc.lb.server.permit-keepalive-time=15s", "grpc.lb.defaults.keepalive-time=20s",
						"grpc.lb.clients.billing.target=127.0.0.1:1", "grpc.lb.clients.billing.keepalive-time=12s",
						"grpc.lb.clients.payments.target=127.0.0.1:2", "grpc.lb.clients.payments.keepalive-time=11s"),
						"grpc.lb.clients.payments.keepalive-time", "PT11S"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("clientsTheServerWouldRefuse")
	void whenTheServerWouldRefuseTheKeepaliveOfOneLocalClientThenStartupFailsNamingBothProperties(
			List<String> settings, String clientProperty, String clientKeepalive) {
		app(freePort()).withPropertyValues(settings.toArray(String[]::new)).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().isInstanceOf(GrpcLbConfigurationException.class);
			GrpcLbConfigurationException failure = (GrpcLbConfigurationException) NestedExceptionUtils
				.getRootCause(context.getStartupFailure());
			assertThat(failure.getProperty()).isEqualTo("grpc.lb.server.permit-keepalive-time");
			assertThat(failure.getReason()).contains(clientProperty + " (" + clientKeepalive + ")")
				.contains("too_many_pings");
			assertThat(failure.getAction()).contains("grpc.lb.server.permit-keepalive-time to " + clientKeepalive)
				.contains(clientProperty);
		});
	}

	@Test
	void whenEveryLocalClientPingsNoMoreOftenThanTheServerPermitsThenItStarts() {
		app(freePort())
			.withPropertyValues("grpc.lb.server.permit-keepalive-time=20s", "grpc.lb.defaults.keepalive-time=30s",
					"grpc.lb.clients.orders.keepalive-time=20s")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@GrpcService
	static class EchoService extends EchoServiceGrpc.EchoServiceImplBase {

		@Override
		public void echo(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
			responseObserver.onNext(EchoReply.newBuilder().setMessage(request.getMessage()).build());
			responseObserver.onCompleted();
		}

	}

	static class ConnectionCounter implements GrpcServerConfigurer {

		final AtomicInteger count = new AtomicInteger();

		@Override
		public void accept(io.grpc.ServerBuilder<?> builder) {
			builder.addTransportFilter(new ServerTransportFilter() {
				@Override
				public Attributes transportReady(Attributes transportAttrs) {
					ConnectionCounter.this.count.incrementAndGet();
					return transportAttrs;
				}
			});
		}

	}

	static class Caller {

		final AtomicInteger failures = new AtomicInteger();

		private final EchoServiceGrpc.EchoServiceBlockingStub stub;

		Caller(@GrpcLbClient("orders") EchoServiceGrpc.EchoServiceBlockingStub stub) {
			this.stub = stub;
		}

		void call(int times) {
			for (int i = 0; i < times; i++) {
				try {
					this.stub.echo(EchoRequest.newBuilder().setMessage("ping").build());
				}
				catch (RuntimeException ex) {
					this.failures.incrementAndGet();
				}
			}
		}

	}

}
