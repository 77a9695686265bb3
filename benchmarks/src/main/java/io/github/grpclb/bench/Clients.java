package io.github.grpclb.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.grpclb.bench.proto.BenchServiceGrpc;
import io.github.grpclb.client.GrpcLbClient;
import net.devh.boot.grpc.client.inject.GrpcClient;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Spring applications the variants run in, configured only through properties, as users would: one with the
 * starter's pooled clients and net.devh's own clients, one with Actuator metrics on, one with pooling disabled.
 */
final class Clients implements AutoCloseable {

	private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

	/**
	 * Start an application.
	 * @param properties its configuration
	 * @param meters whether it keeps Actuator's metrics (a MeterRegistry: then the starter's and net.devh's metrics
	 * interceptors run on every call)
	 * @return its injected stubs
	 */
	StarterStubs start(Map<String, Object> properties, boolean meters) {
		ConfigurableApplicationContext context = application(properties, meters, StarterStubs.class);
		this.contexts.add(context);
		return context.getBean(StarterStubs.class);
	}

	/**
	 * Start an application configured only through properties.
	 * @param properties its configuration
	 * @param meters whether it keeps Actuator's metrics (a MeterRegistry: then the starter's and net.devh's metrics
	 * interceptors run on every call)
	 * @param beans classes of the beans that get the clients injected
	 * @return the running application
	 */
	static ConfigurableApplicationContext application(Map<String, ?> properties, boolean meters, Class<?>... beans) {
		Map<String, Object> all = new HashMap<>(properties);
		if (!meters) {
			// No MeterRegistry: neither the starter's nor net.devh's metrics interceptors.
			all.put("spring.autoconfigure.exclude", String.join(",",
					"org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
					"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
					"org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"));
		}
		List<Class<?>> sources = new ArrayList<>(List.of(BenchApplication.class));
		sources.addAll(List.of(beans));
		return new SpringApplicationBuilder(sources.toArray(Class<?>[]::new))
			.web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.properties(all)
			.run();
	}

	@Override
	public void close() {
		this.contexts.forEach(ConfigurableApplicationContext::close);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class BenchApplication {

	}

	/** Every client a variant uses, injected the way applications get them. */
	static class StarterStubs {

		@GrpcLbClient("plain")
		BenchServiceGrpc.BenchServiceStub plain;

		@GrpcLbClient("plain-stock-resolver")
		BenchServiceGrpc.BenchServiceStub plainStockResolver;

		@GrpcLbClient("plain-bare")
		BenchServiceGrpc.BenchServiceStub plainBare;

		@GrpcLbClient("plain-no-retry")
		BenchServiceGrpc.BenchServiceStub plainNoRetry;

		@GrpcLbClient("tls")
		BenchServiceGrpc.BenchServiceStub tls;

		@GrpcLbClient("l4")
		BenchServiceGrpc.BenchServiceStub l4;

		@GrpcLbClient("l7")
		BenchServiceGrpc.BenchServiceStub l7;

		@GrpcClient("devh-default")
		BenchServiceGrpc.BenchServiceStub devhDefault;

		@GrpcClient("devh-rr")
		BenchServiceGrpc.BenchServiceStub devhRoundRobin;

	}

}
