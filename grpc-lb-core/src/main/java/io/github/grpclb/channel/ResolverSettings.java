package io.github.grpclb.channel;

import java.time.Duration;
import java.util.Objects;

/**
 * How a target is resolved: {@code dns:} (and {@code static:}) targets by the refreshing resolver, {@code kubernetes:}
 * targets from EndpointSlices.
 *
 * @param type which resolver
 * @param refreshInterval how often the refreshing resolver asks DNS again (upper bound; shorter record TTLs win)
 * @param minRefreshInterval never ask more often than this, whatever the TTLs or the channel's requests
 * @param queryTimeout how long one DNS query may take before it counts as failed
 * @param srv look up SRV records ({@code _grpc._tcp.<host>}) and take ports from them
 * @param kubernetes how a {@code kubernetes:} target picks its endpoints
 */
public record ResolverSettings(Type type, Duration refreshInterval, Duration minRefreshInterval, Duration queryTimeout,
		boolean srv, KubernetesSettings kubernetes) {

	/** The defaults: refreshing, every 30s, at most every 5s, 2s per query, A/AAAA records. */
	public static final ResolverSettings DEFAULTS = new ResolverSettings(Type.REFRESHING, Duration.ofSeconds(30),
			Duration.ofSeconds(5), Duration.ofSeconds(2), false);

	public ResolverSettings {
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(refreshInterval, "refreshInterval");
		Objects.requireNonNull(minRefreshInterval, "minRefreshInterval");
		Objects.requireNonNull(queryTimeout, "queryTimeout");
		Objects.requireNonNull(kubernetes, "kubernetes");
	}

	/**
	 * Settings with the default Kubernetes settings (no zone preference).
	 */
	public ResolverSettings(Type type, Duration refreshInterval, Duration minRefreshInterval, Duration queryTimeout,
			boolean srv) {
		this(type, refreshInterval, minRefreshInterval, queryTimeout, srv, KubernetesSettings.DEFAULTS);
	}

	/**
	 * How a {@code kubernetes:} target picks among the ready endpoints.
	 *
	 * @param preferSameZone send calls only to endpoints in the client's zone while there are enough of them
	 * @param zone the client's zone, or {@code null} when unknown (then every zone is used)
	 * @param minSameZoneEndpoints fewest ready endpoints in the client's zone for the preference to apply; with
	 * fewer, calls spill over to every zone
	 */
	public record KubernetesSettings(boolean preferSameZone, String zone, int minSameZoneEndpoints) {

		/** The defaults: no zone preference. */
		public static final KubernetesSettings DEFAULTS = new KubernetesSettings(false, null, 1);

		public KubernetesSettings {
			if (minSameZoneEndpoints < 1) {
				throw new IllegalArgumentException("minSameZoneEndpoints must be at least 1");
			}
			zone = (zone == null || zone.isBlank()) ? null : zone.trim();
		}

	}

	/** Which resolver a {@code dns:} target gets. */
	public enum Type {

		/** The starter's: polls DNS, keeps the last good answer, honours a DNS server in the target, SRV. */
		REFRESHING,

		/** grpc-java's stock resolver: resolves again only when a connection breaks. */
		GRPC

	}

}
