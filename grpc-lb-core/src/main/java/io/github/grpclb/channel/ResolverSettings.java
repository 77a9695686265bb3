package io.github.grpclb.channel;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@code dns:} target is resolved.
 *
 * @param type which resolver
 * @param refreshInterval how often the refreshing resolver asks DNS again (upper bound; shorter record TTLs win)
 * @param minRefreshInterval never ask more often than this, whatever the TTLs or the channel's requests
 * @param queryTimeout how long one DNS query may take before it counts as failed
 * @param srv look up SRV records ({@code _grpc._tcp.<host>}) and take ports from them
 */
public record ResolverSettings(Type type, Duration refreshInterval, Duration minRefreshInterval, Duration queryTimeout,
		boolean srv) {

	/** The defaults: refreshing, every 30s, at most every 5s, 2s per query, A/AAAA records. */
	public static final ResolverSettings DEFAULTS = new ResolverSettings(Type.REFRESHING, Duration.ofSeconds(30),
			Duration.ofSeconds(5), Duration.ofSeconds(2), false);

	public ResolverSettings {
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(refreshInterval, "refreshInterval");
		Objects.requireNonNull(minRefreshInterval, "minRefreshInterval");
		Objects.requireNonNull(queryTimeout, "queryTimeout");
	}

	/** Which resolver a {@code dns:} target gets. */
	public enum Type {

		/** The starter's: polls DNS, keeps the last good answer, honours a DNS server in the target, SRV. */
		REFRESHING,

		/** grpc-java's stock resolver: resolves again only when a connection breaks. */
		GRPC

	}

}
