package io.github.grpclb.sample;

import java.util.Map;

import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.client.GrpcLbClient;
import io.github.grpclb.sample.proto.GetOrderRequest;
import io.github.grpclb.sample.proto.OrderServiceGrpc;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Sends the burst through a {@code @GrpcLbClient} stub and prints who served it.
 */
@Component
public class DemoRunner implements ApplicationRunner {

	private final OrderServiceGrpc.OrderServiceBlockingStub orders;

	private final LocalOrderBackends backends;

	private final GrpcLbChannelRegistry channels;

	private final SampleProperties properties;

	public DemoRunner(@GrpcLbClient("orders") OrderServiceGrpc.OrderServiceBlockingStub orders,
			LocalOrderBackends backends, GrpcLbChannelRegistry channels, SampleProperties properties) {
		this.orders = orders;
		this.backends = backends;
		this.channels = channels;
		this.properties = properties;
	}

	@Override
	public void run(ApplicationArguments args) {
		int calls = this.properties.demo().calls();
		for (int id = 1; id <= calls; id++) {
			this.orders.getOrder(GetOrderRequest.newBuilder().setId(id).build());
		}
		System.out.println(table(calls));
	}

	String table(int calls) {
		StringBuilder out = new StringBuilder();
		out.append(System.lineSeparator())
			.append("%d calls, %s".formatted(calls,
					this.channels.isDialPerRequest() ? "pooling OFF (dial per request)" : "pooled round_robin channel"))
			.append(System.lineSeparator());
		out.append("%-20s %8s %12s%n".formatted("backend", "calls", "connections"));
		for (Map.Entry<String, LocalOrderBackends.Counters> entry : this.backends.counters().entrySet()) {
			out.append("%-20s %8d %12d%n".formatted(entry.getKey(), entry.getValue().calls(),
					entry.getValue().connections()));
		}
		return out.toString();
	}

}
