package io.github.grpclb.sample.demo;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The burst the local demo sends through the gateway at startup.
 *
 * @param enabled send the burst and print the table (profile {@code local})
 * @param requests how many {@code GET /orders/{id}} requests to send
 */
@ConfigurationProperties("demo")
public record DemoProperties(boolean enabled, Integer requests) {

	public DemoProperties {
		requests = (requests != null) ? requests : 60;
		if (requests < 1) {
			throw new IllegalArgumentException("demo.requests must be at least 1, was " + requests);
		}
	}

}
