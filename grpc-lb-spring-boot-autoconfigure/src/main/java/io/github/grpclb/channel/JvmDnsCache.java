package io.github.grpclb.channel;

import java.security.Security;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The JVM's own cache of successful host name lookups, which sits under every {@code dns:///host:port} lookup
 * that goes through the JDK: a refresh cannot see an answer newer than this cache allows.
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

	/** Warn once per JVM when the cache holds answers longer than a client refreshes. */
	static void warnIfSlowerThan(Duration refreshInterval) {
		if (warned.get()) {
			// Dial-per-request mode builds a resolver per call: after the one warning, check nothing.
			return;
		}
		Duration ttl = positiveTtl();
		if ((ttl == null || ttl.compareTo(refreshInterval) > 0) && warned.compareAndSet(false, true)) {
			logger.log(Level.WARNING, () -> "The JVM caches DNS answers for " + ((ttl != null) ? ttl : "ever")
					+ ", longer than a gRPC client's refresh-interval (" + refreshInterval + "): new pods can take up "
					+ "to that much longer to get calls. Set -Dsun.net.inetaddr.ttl=5 (or the security property "
					+ "networkaddress.cache.ttl), or name the DNS server in the target "
					+ "(dns://<cluster DNS IP>/<service>:<port>) so the starter queries it directly.");
		}
	}

}
