package io.github.grpclb.channel;

import java.security.Security;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The JVM's own cache of successful host name lookups, which sits under every {@code dns:///host:port} lookup that
 * still goes through the JDK — where there is no system resolver configuration to query directly (no name server in
 * {@code /etc/resolv.conf}, e.g. Windows), with {@code -Djdk.net.hosts.file}, or without dnsjava: a refresh cannot
 * see an answer newer than this cache allows.
 */
final class JvmDnsCache {

	private static final Logger logger = Logger.getLogger(JvmDnsCache.class.getName());

	private static final AtomicBoolean warned = new AtomicBoolean();

	private JvmDnsCache() {
	}

	/**
	 * How long the JVM keeps a successful lookup: the security property {@code networkaddress.cache.ttl}, else the
	 * system property {@code sun.net.inetaddr.ttl}, else the JDK's default of 30s (without a security manager).
	 * @return the time, or {@code null} for "forever" (a negative setting)
	 */
	static Duration positiveTtl() {
		String value = Security.getProperty("networkaddress.cache.ttl");
		if (value == null) {
			value = System.getProperty("sun.net.inetaddr.ttl");
		}
		if (value == null) {
			return Duration.ofSeconds(30);
		}
		try {
			long seconds = Long.parseLong(value.trim());
			return (seconds < 0) ? null : Duration.ofSeconds(seconds);
		}
		catch (NumberFormatException ex) {
			return Duration.ofSeconds(30);
		}
	}

	/**
	 * Whether the cache slows discovery down noticeably: a refresh may get an answer as old as the cache allows, so
	 * a new backend can wait up to {@code refresh-interval + cache}; from a cache as long as the interval on (the
	 * JDK's 30s default against the default 30s interval), that is at least twice the interval.
	 * @param cacheTtl how long the JVM caches, {@code null} for ever
	 * @param refreshInterval how often a client refreshes
	 * @return whether to warn
	 */
	static boolean slowsDiscovery(Duration cacheTtl, Duration refreshInterval) {
		return cacheTtl == null || cacheTtl.compareTo(refreshInterval) >= 0;
	}

	/** Warn once per JVM when the cache holds answers as long as, or longer than, a client refreshes. */
	static void warnIfSlowerThan(Duration refreshInterval) {
		if (warned.get()) {
			// Dial-per-request mode builds a resolver per call: after the one warning, check nothing.
			return;
		}
		Duration ttl = positiveTtl();
		if (slowsDiscovery(ttl, refreshInterval) && warned.compareAndSet(false, true)) {
			logger.log(Level.WARNING, () -> "This JVM resolves dns:/// targets through the JDK (no name server in "
					+ "/etc/resolv.conf, -Djdk.net.hosts.file set, or no dnsjava), and the JDK caches DNS answers for "
					+ ((ttl != null) ? ttl : "ever") + ", not shorter than a gRPC client's refresh-interval ("
					+ refreshInterval + "): new pods can take up to refresh-interval + that long to get calls. Set "
					+ "-Dsun.net.inetaddr.ttl=5 (or the security property networkaddress.cache.ttl), or name the DNS "
					+ "server in the target (dns://<DNS server IP>/<service>:<port>) so the starter queries it directly.");
		}
	}

}
