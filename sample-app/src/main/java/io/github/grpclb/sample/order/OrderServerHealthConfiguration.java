package io.github.grpclb.sample.order;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The order servers' health indicator, with Boot 3.5's health types (sample-app-boot4 has its own, with Boot 4's).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "order.enabled", havingValue = "true")
public class OrderServerHealthConfiguration {

	/**
	 * Part of the readiness group: down until every gRPC server listens, and once they stop.
	 */
	@Bean
	HealthIndicator orderServerHealthIndicator(OrderServers servers) {
		return () -> {
			OrderServers.ServingState status = servers.servingState();
			return (status.serving() ? Health.up() : Health.down()).withDetail("instances", status.names()).build();
		};
	}

}
