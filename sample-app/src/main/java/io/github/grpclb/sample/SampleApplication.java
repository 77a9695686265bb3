package io.github.grpclb.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The sample: an API gateway ({@code GET /orders/{id}}) that calls an order service over gRPC through
 * {@code @GrpcLbClient}. Profiles pick the role: {@code local} (the default: gateway, three order-service backends
 * on 127.0.0.2-4 and a demo burst), {@code gateway}, {@code order-service}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
