package io.github.grpclb.sample.order;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The order-service role, on with {@code order.enabled=true} (profiles {@code order-service} and {@code local}). Its
 * health indicator is in {@code OrderServerHealthConfiguration} (Actuator's health types differ between Boot lines).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "order.enabled", havingValue = "true")
public class OrderServiceConfiguration {

	@Bean
	OrderServers orderServers(OrderServiceProperties properties) {
		return new OrderServers(properties);
	}

}
