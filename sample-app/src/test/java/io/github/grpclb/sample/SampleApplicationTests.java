package io.github.grpclb.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo as the README runs it: every backend serves a share of the burst over one connection.
 */
@SpringBootTest(properties = { "sample.backends.port=50151", "grpc.lb.clients.orders.target=orders.sample.local:50151",
		"sample.demo.calls=30" })
class SampleApplicationTests {

	@Autowired
	private LocalOrderBackends backends;

	@Test
	void whenTheDemoRunsThenEveryBackendServesAShareOverOneConnection() {
		assertThat(this.backends.counters().values().stream().mapToInt(LocalOrderBackends.Counters::calls).sum())
			.isEqualTo(30);
		// No warm-up here: the first calls may land before every connection is ready, so allow a small skew.
		assertThat(this.backends.counters()).hasSize(3).allSatisfy((address, counters) -> {
			assertThat(counters.calls()).as("calls served by %s", address).isBetween(5, 15);
			assertThat(counters.connections()).as("connections to %s", address).isEqualTo(1);
		});
	}

}
