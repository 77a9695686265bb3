package io.github.grpclb.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.github.grpclb.autoconfigure.GrpcLbConfigurationException;
import io.github.grpclb.client.GrpcLbClient;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code grpc.lb.server.*} on the gRPC starter's server (net.devh's on Boot 3.5, Spring gRPC's on Boot 4): the
 * starter's clients (keepalive every 10s, also without calls) keep one connection through idle and busy periods,
 * where the gRPC starter's defaults answer GOAWAY too_many_pings.
 */
class ServerSettingsTests {

	private static ApplicationContextRunner app(int port) {
		return TestContexts.withEchoServer(TestContexts.runner(), port)
			.withUserConfiguration(Caller.class)
			.withPropertyValues("grpc.lb.clients.orders.target=127.0.0.1:" + port);
	}

	@Test
	void whenTheStartersClientsPingForMoreThanThreeKeepalivePeriodsThenTheServerKeepsTheirConnection()
			throws Exception {
		app(freePort()).run((configured) -> app(freePort()).withPropertyValues("grpc.lb.server.enabled=false")
			.run((starterDefaults) -> {
				Caller ours = configured.getBean(Caller.class);
				Caller control = starterDefaults.getBean(Caller.class);
				ours.call(1);
				control.call(1);
				// Idle: the clients ping every 10s; the gRPC starter's defaults allow none without calls.
				Thread.sleep(Duration.ofSeconds(36).toMillis());
				// Busy.
				for (int i = 0; i < 10; i++) {
					ours.call(50);
					control.call(50);
					Thread.sleep(300);
				}
				System.out.printf("keepalive 36s idle + busy: starter-configured server %d connection(s), "
						+ "gRPC starter's defaults %d connection(s)%n", TestContexts.serverConnections(configured),
						TestContexts.serverConnections(starterDefaults));
				assertThat(ours.failures.get()).as("failed calls").isZero();
				assertThat(TestContexts.serverConnections(configured))
					.as("connections to the starter-configured server (a GOAWAY would force a second)")
					.isEqualTo(1);
				assertThat(TestContexts.serverConnections(starterDefaults))
					.as("control: the gRPC starter's defaults answer the idle pings with GOAWAY too_many_pings")
					.isGreaterThanOrEqualTo(2);
			}));
	}

	@Test
	void theHealthServiceAnswersServingAlsoWhenTheGrpcStartersOwnIsOff() {
		int port = freePort();
		app(port).withPropertyValues(TestContexts.SERVER_HEALTH_SERVICE_OFF).run((context) -> {
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
