package io.github.grpclb.sample.order;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The order-service role, on with {@code order.enabled=true} (profiles {@code order-service} and {@code local}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "order.enabled", havingValue = "true")
public class OrderServiceConfiguration {

	@Bean
	OrderServers orderServers(OrderServiceProperties properties) {
		return new OrderServers(properties);
	}

	/**
	 * Part of the readiness group: down until every gRPC server listens, and once they stop.
	 */
	@Bean
	HealthIndicator orderServerHealthIndicator(OrderServers servers) {
		return () -> {
			boolean serving = servers.isRunning()
					&& servers.instances().values().stream().allMatch(OrderServers.Instance::serving);
			return (serving ? Health.up() : Health.down()).withDetail("instances", servers.names()).build();
		};
	}

}
