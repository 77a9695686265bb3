package io.github.grpclb.channel;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the JVM's address cache (where lookups still go through the JDK) is worth a warning.
 */
class JvmDnsCacheTests {

	@Test
	void theJdksDefaultCacheAgainstTheDefaultRefreshIntervalIsWorthAWarning() {
		// 30s cache + 30s interval: a new pod can wait about a minute, twice what refresh-interval promises.
		assertThat(JvmDnsCache.slowsDiscovery(Duration.ofSeconds(30), Duration.ofSeconds(30))).isTrue();
	}

	@Test
	void aCacheLongerThanTheIntervalOrForeverIsWorthAWarning() {
		assertThat(JvmDnsCache.slowsDiscovery(Duration.ofSeconds(31), Duration.ofSeconds(30))).isTrue();
		assertThat(JvmDnsCache.slowsDiscovery(null, Duration.ofSeconds(30))).isTrue();
	}

	@Test
	void aCacheShorterThanTheIntervalIsNot() {
		assertThat(JvmDnsCache.slowsDiscovery(Duration.ofSeconds(5), Duration.ofSeconds(30))).isFalse();
		assertThat(JvmDnsCache.slowsDiscovery(Duration.ZERO, Duration.ofSeconds(1))).isFalse();
	}

}
