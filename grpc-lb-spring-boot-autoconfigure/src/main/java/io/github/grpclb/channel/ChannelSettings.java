package io.github.grpclb.channel;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything that shapes one client's channel, already validated.
 *
 * @param target normalised target URI, e.g. {@code dns:///orders:9090}
 * @param policy load-balancing policy name
 * @param keepaliveTime time without reads before a keepalive ping
 * @param keepaliveTimeout time to wait for a ping answer
 * @param keepaliveWithoutCalls whether to ping without calls in flight
 * @param connectTimeout TCP connect timeout
 * @param idleTimeout idle timeout, or {@code null} for grpc-java's default
 * @param maxInboundMessageSize largest inbound message in bytes, or {@code null} for grpc-java's default
 * @param deadline per-call default deadline, or {@code null} for none
 * @param retry retry policy
 * @param tls TLS material, or {@code null} for plaintext
 * @param resolver how a {@code dns:} target is resolved
 */
public record ChannelSettings(String target, String policy, Duration keepaliveTime, Duration keepaliveTimeout,
		boolean keepaliveWithoutCalls, Duration connectTimeout, Duration idleTimeout, Integer maxInboundMessageSize,
		Duration deadline, RetrySettings retry, TlsSettings tls, ResolverSettings resolver) {

	/**
	 * Settings with the default resolver.
	 */
	public ChannelSettings(String target, String policy, Duration keepaliveTime, Duration keepaliveTimeout,
			boolean keepaliveWithoutCalls, Duration connectTimeout, Duration idleTimeout, Integer maxInboundMessageSize,
			Duration deadline, RetrySettings retry, TlsSettings tls) {
		this(target, policy, keepaliveTime, keepaliveTimeout, keepaliveWithoutCalls, connectTimeout, idleTimeout,
				maxInboundMessageSize, deadline, retry, tls, ResolverSettings.DEFAULTS);
	}

	public ChannelSettings {
		Objects.requireNonNull(target, "target");
		Objects.requireNonNull(policy, "policy");
		Objects.requireNonNull(keepaliveTime, "keepaliveTime");
		Objects.requireNonNull(keepaliveTimeout, "keepaliveTimeout");
		Objects.requireNonNull(connectTimeout, "connectTimeout");
		Objects.requireNonNull(retry, "retry");
		Objects.requireNonNull(resolver, "resolver");
	}

	/**
	 * Retry policy as it goes into the service config.
	 *
	 * @param enabled whether calls are retried at all
	 * @param maxAttempts attempts including the first (2..5)
	 * @param initialBackoff first backoff bound
	 * @param maxBackoff largest backoff bound
	 * @param backoffMultiplier growth factor of the backoff
	 * @param retryableStatusCodes upper-case {@link io.grpc.Status.Code} names
	 */
	public record RetrySettings(boolean enabled, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
			double backoffMultiplier, List<String> retryableStatusCodes) {

		public RetrySettings {
			retryableStatusCodes = List.copyOf(retryableStatusCodes);
		}

	}

	/**
	 * TLS material, as PEM text so that equal files give equal keys.
	 *
	 * @param trustCertCollectionPem trusted authorities, or {@code null} for the JDK's defaults
	 * @param certificateChainPem client certificate chain for mutual TLS, or {@code null}
	 * @param privateKeyPem client private key for mutual TLS, or {@code null}
	 * @param authorityOverride authority to verify instead of the target's host, or {@code null}
	 */
	public record TlsSettings(String trustCertCollectionPem, String certificateChainPem, String privateKeyPem,
			String authorityOverride) {

		@Override
		public String toString() {
			// Never print key material.
			return "TlsSettings[customTrust=" + (this.trustCertCollectionPem != null) + ", clientCertificate="
					+ (this.certificateChainPem != null) + ", authorityOverride=" + this.authorityOverride + "]";
		}

	}

}
