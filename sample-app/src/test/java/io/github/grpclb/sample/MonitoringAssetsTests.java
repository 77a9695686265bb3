package io.github.grpclb.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample serves what the README's demo shows — {@code /actuator/grpclb}, {@code /actuator/health} with the
 * {@code grpcLb} contributor, {@code /actuator/prometheus} — and the shipped Grafana dashboard and Prometheus rules
 * (docs/monitoring) query only series the application exposes.
 */
class MonitoringAssetsTests {

	private static final Path MONITORING = Path.of("..", "docs", "monitoring");

	private static final Pattern SERIES = Pattern.compile("\\bgrpc_lb_[a-z_]+\\b");

	@Test
	void theDashboardAndTheAlertRulesQueryOnlySeriesTheApplicationExposes() throws IOException {
		Set<String> queried = new TreeSet<>();
		queried.addAll(seriesIn(MONITORING.resolve("grafana-dashboard.json")));
		queried.addAll(seriesIn(MONITORING.resolve("prometheus-alerts.yml")));
		assertThat(queried).as("series the assets query")
			.contains("grpc_lb_calls_seconds_count", "grpc_lb_connections", "grpc_lb_backends_usable",
					"grpc_lb_backends_ejected", "grpc_lb_ejections_total", "grpc_lb_resolver_age_seconds",
					"grpc_lb_resolutions_total");
		try (ConfigurableApplicationContext context = LocalDemoTests.start()) {
			RestClient gateway = LocalDemoTests.gateway(context);
			String scrape = gateway.get().uri("/actuator/prometheus").retrieve().body(String.class);
			Set<String> exposed = new TreeSet<>();
			Matcher matcher = SERIES.matcher(scrape);
			while (matcher.find()) {
				exposed.add(matcher.group());
			}
			assertThat(exposed).as("series /actuator/prometheus exposes").containsAll(queried);
			assertThat(scrape).contains("grpc_lb_backends_usable{client=\"orders\"} 3.0");

			// Maps, not JsonNode: these tests run on Jackson 2 (Boot 3.5) and Jackson 3 (Boot 4) alike.
			Map<?, ?> grpclb = gateway.get().uri("/actuator/grpclb").retrieve().body(Map.class);
			Map<?, ?> orders = (Map<?, ?>) ((Map<?, ?>) grpclb.get("clients")).get("orders");
			assertThat(orders.get("state")).isEqualTo("READY");
			assertThat((List<?>) orders.get("backends")).hasSize(3).allSatisfy((entry) -> {
				Map<?, ?> backend = (Map<?, ?>) entry;
				assertThat(backend.get("state")).isEqualTo("READY");
				assertThat(backend.get("health")).isEqualTo("SERVING");
				assertThat(((Number) backend.get("calls")).longValue()).isPositive();
			});
			Map<?, ?> one = gateway.get().uri("/actuator/grpclb/orders").retrieve().body(Map.class);
			assertThat(one.get("name")).isEqualTo("orders");

			Map<?, ?> health = gateway.get().uri("/actuator/health").retrieve().body(Map.class);
			assertThat(health.get("status")).isEqualTo("UP");
		}
	}

	private static Set<String> seriesIn(Path file) throws IOException {
		Set<String> series = new TreeSet<>();
		Matcher matcher = SERIES.matcher(Files.readString(file));
		while (matcher.find()) {
			series.add(matcher.group());
		}
		return series;
	}

}
