package io.github.grpclb.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Demo: three local order-service backends and one client that calls them through {@code @GrpcLbClient}. Prints
 * how many calls and connections each backend got, then exits.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

	public static void main(String[] args) {
		System.exit(SpringApplication.exit(SpringApplication.run(SampleApplication.class, args)));
	}

}
