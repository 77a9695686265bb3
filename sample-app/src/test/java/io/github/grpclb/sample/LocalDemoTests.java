package io.github.grpclb.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import io.github.grpclb.sample.demo.DemoRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo as the README runs it (default profile {@code local}): gateway plus three order-service backends on
 * 127.0.0.2-4, a burst through {@code GET /orders/{id}}, then the gateway keeps serving. Runs on both Boot lines
 * (sample-app-boot4 compiles these tests too).
 */
@ExtendWith(OutputCaptureExtension.class)
class LocalDemoTests {

	@Test
	void whenTheDemoRunsThenAllThreeBackendsServeOverOneConnectionEachAndTheGatewayKeepsServing(
			CapturedOutput output) {
		try (ConfigurableApplicationContext context = start()) {
			DemoRunner.Result result = context.getBean(DemoRunner.class).result();
			assertThat(result.failed()).isZero();
			assertThat(result.dialPerRequest()).isFalse();
			assertThat(result.rows()).hasSize(3).allSatisfy((row) -> {
				// No warm-up before the burst: the first requests may come before every connection is ready.
				assertThat(row.served()).as("requests served by %s", row.backend()).isBetween(10, 30);
				assertThat(row.connections()).as("connections to %s", row.backend()).isEqualTo(1);
			});
			assertThat(result.rows().stream().mapToInt(DemoRunner.Row::served).sum()).isEqualTo(60);
			assertThat(output).contains("backend (served_by)").contains("60 of 60 requests succeeded");
			result.rows().forEach((row) -> assertThat(output).contains(row.backend()));

			RestClient gateway = gateway(context);
			Set<String> servedBy = new HashSet<>();
			for (int id = 1; id <= 6; id++) {
				Map<?, ?> order = gateway.get().uri("/orders/{id}", id).retrieve().body(Map.class);
				assertThat(((Number) order.get("id")).longValue()).isEqualTo(id);
				servedBy.add(String.valueOf(order.get("served_by")));
			}
			assertThat(servedBy).as("served_by rotates over the backends")
				.containsExactlyInAnyOrderElementsOf(result.servedBy().keySet());
			assertThat(gateway.get().uri("/actuator/health/readiness").retrieve().body(Map.class).get("status"))
				.isEqualTo("UP");
		}
	}

	@Test
	void whenOneBackendIsForcedUnavailableThenRetriesRouteAroundItAndNoRequestFails() {
		try (ConfigurableApplicationContext context = start("--order.force-unavailable=true")) {
			DemoRunner.Result result = context.getBean(DemoRunner.class).result();
			assertThat(result.failed()).isZero();
			DemoRunner.Row failing = result.rows().get(0);
			assertThat(failing.backend()).startsWith("127.0.0.2:");
			assertThat(failing.served()).isZero();
			assertThat(failing.refused()).as("calls the failing backend answered UNAVAILABLE").isPositive();
			assertThat(result.rows().subList(1, 3)).allSatisfy((row) -> assertThat(row.served()).isPositive());
		}
	}

	@Test
	void whenPoolingIsDisabledThenTheSameBurstOpensOneConnectionPerRequest() {
		try (ConfigurableApplicationContext context = start("--grpc.lb.pooling.enabled=false")) {
			DemoRunner.Result result = context.getBean(DemoRunner.class).result();
			assertThat(result.dialPerRequest()).isTrue();
			assertThat(result.failed()).isZero();
			assertThat(result.rows().stream().mapToInt(DemoRunner.Row::connections).sum()).isEqualTo(60);
			assertThat(result.rows()).allSatisfy((row) -> assertThat(row.served()).isPositive());
		}
	}

	@Test
	void whenTheGatewayCannotReachAnyBackendThenItAnswers503WithTheGrpcStatus() {
		try (ConfigurableApplicationContext context = start("--order.force-unavailable=true",
				"--order.listen-addresses=127.0.0.2", "--demo.enabled=false")) {
			RestClient gateway = gateway(context);
			var response = gateway.get()
				.uri("/orders/7")
				.retrieve()
				.onStatus(HttpStatusCode::isError, (request, reply) -> {
				})
				.toEntity(Map.class);
			assertThat(response.getStatusCode().value()).isEqualTo(503);
			assertThat(response.getBody().get("grpc_status")).isEqualTo("UNAVAILABLE");
		}
	}

	static ConfigurableApplicationContext start(String... args) {
		String[] all = new String[args.length + 2];
		all[0] = "--server.port=0";
		all[1] = "--order.port=" + freePort();
		System.arraycopy(args, 0, all, 2, args.length);
		return new SpringApplicationBuilder(SampleApplication.class).run(all);
	}

	static RestClient gateway(ConfigurableApplicationContext context) {
		return RestClient.create("http://localhost:" + context.getEnvironment().getProperty("local.server.port"));
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
