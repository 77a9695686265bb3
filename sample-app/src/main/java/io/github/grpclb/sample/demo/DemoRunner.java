package io.github.grpclb.sample.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.sample.order.OrderServers;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * The local demo: once the gateway and the three backends run, sends a burst of {@code GET /orders/{id}} through
 * the gateway's HTTP port and prints how many requests each backend served and how many connections it saw.
 * The application keeps running afterwards, so the gateway can be called by hand.
 */
@Component
@ConditionalOnProperty(name = { "demo.enabled", "gateway.enabled", "order.enabled" }, havingValue = "true")
public class DemoRunner implements ApplicationRunner {

	private final DemoProperties properties;

	private final OrderServers servers;

	private final GrpcLbChannelRegistry channels;

	private final RestClient.Builder http;

	private final Environment environment;

	private volatile Result result;

	public DemoRunner(DemoProperties properties, OrderServers servers, GrpcLbChannelRegistry channels,
			RestClient.Builder http, Environment environment) {
		this.properties = properties;
		this.servers = servers;
		this.channels = channels;
		this.http = http;
		this.environment = environment;
	}

	@Override
	public void run(ApplicationArguments args) {
		String base = "http://localhost:" + this.environment.getRequiredProperty("local.server.port");
		RestClient client = this.http.baseUrl(base).build();
		Map<String, Integer> servedBy = new LinkedHashMap<>();
		this.servers.names().forEach((name) -> servedBy.put(name, 0));
		int failed = 0;
		for (int id = 1; id <= this.properties.requests(); id++) {
			// A map, not a JsonNode: the sample runs on Jackson 2 (Boot 3.5) and Jackson 3 (Boot 4) alike.
			Map<?, ?> body = client.get()
				.uri("/orders/{id}", id)
				.retrieve()
				.onStatus(HttpStatusCode::isError, (request, response) -> {
				})
				.body(Map.class);
			if (body != null && body.get("served_by") != null) {
				servedBy.merge(String.valueOf(body.get("served_by")), 1, Integer::sum);
			}
			else {
				failed++;
			}
		}
		this.result = new Result(this.properties.requests(), failed, servedBy, rows(servedBy),
				this.channels.isDialPerRequest());
		System.out.println(this.result.table(base));
	}

	private List<Row> rows(Map<String, Integer> servedBy) {
		return this.servers.instances()
			.values()
			.stream()
			.map((instance) -> new Row(instance.name(), servedBy.getOrDefault(instance.name(), 0), instance.refused(),
					instance.connections()))
			.toList();
	}

	/** @return what the last burst saw, or {@code null} before it ran */
	public Result result() {
		return this.result;
	}

	/**
	 * One backend's line of the table.
	 *
	 * @param backend the instance (served_by)
	 * @param served requests the gateway got an answer from it for
	 * @param refused calls it answered UNAVAILABLE (order.force-unavailable)
	 * @param connections connections it accepted
	 */
	public record Row(String backend, int served, int refused, int connections) {
	}

	/**
	 * The burst's outcome.
	 *
	 * @param requests requests sent
	 * @param failed requests the gateway answered with an error
	 * @param servedBy served_by values the gateway returned, with their counts
	 * @param rows one per backend
	 * @param dialPerRequest whether pooling was off
	 */
	public record Result(int requests, int failed, Map<String, Integer> servedBy, List<Row> rows,
			boolean dialPerRequest) {

		String table(String base) {
			String nl = System.lineSeparator();
			StringBuilder out = new StringBuilder(nl);
			out.append("%d x GET %s/orders/{id} -> gateway -> @GrpcLbClient(\"orders\"), %s%n".formatted(requests,
					base, dialPerRequest ? "pooling OFF (grpc.lb.pooling.enabled=false: one connection per call)"
							: "pooled round_robin channel"));
			out.append("%-22s %8s %13s %12s%n".formatted("backend (served_by)", "served", "UNAVAILABLE", "connections"));
			int served = 0;
			int refused = 0;
			int connections = 0;
			for (Row row : rows) {
				out.append("%-22s %8d %13d %12d%n".formatted(row.backend(), row.served(), row.refused(),
						row.connections()));
				served += row.served();
				refused += row.refused();
				connections += row.connections();
			}
			out.append("%-22s %8d %13d %12d%n".formatted("total", served, refused, connections));
			out.append("%d of %d requests succeeded, %d failed.%n".formatted(requests - failed, requests, failed));
			if (refused > 0 && !dialPerRequest) {
				out.append("UNAVAILABLE answers were retried on another backend (grpc.lb.*.retry).").append(nl);
			}
			if (refused > 0 && dialPerRequest) {
				out.append("Pooling is off: each retry dialed a fresh connection to another backend (grpc.lb.*.retry).")
					.append(nl);
			}
			out.append(nl)
				.append("The gateway keeps serving: curl ")
				.append(base)
				.append("/orders/1   (repeat it and watch served_by rotate; Ctrl-C stops)")
				.append(nl);
			return out.toString();
		}

	}

}
