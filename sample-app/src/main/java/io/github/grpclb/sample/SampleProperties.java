package io.github.grpclb.sample;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the demo.
 *
 * @param backends the local backends to start
 * @param demo the burst of calls to send
 */
@ConfigurationProperties("sample")
public record SampleProperties(Backends backends, Demo demo) {

	/**
	 * Local backends.
	 *
	 * @param addresses loopback addresses to listen on, one backend each
	 * @param port the port all of them share
	 */
	public record Backends(List<String> addresses, int port) {
	}

	/**
	 * The burst.
	 *
	 * @param calls how many calls to send
	 */
	public record Demo(int calls) {
	}

}
