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
 * @param healthCheck client-side health checking, or {@code null} for none
 * @param outlierDetection outlier ejection around the policy, or {@code null} for none
 * @param methods settings of single services or methods, most specific first
 */
public record ChannelSettings(String target, String policy, Duration keepaliveTime, Duration keepaliveTimeout,
		boolean keepaliveWithoutCalls, Duration connectTimeout, Duration idleTimeout, Integer maxInboundMessageSize,
		Duration deadline, RetrySettings retry, TlsSettings tls, ResolverSettings resolver,
		HealthCheckSettings healthCheck, OutlierDetectionSettings outlierDetection, List<MethodSettings> methods) {

	/**
	 * Settings without per-method entries.
	 */
	public ChannelSettings(String target, String policy, Duration keepaliveTime, Duration keepaliveTimeout,
			boolean keepaliveWithoutCalls, Duration connectTimeout, Duration idleTimeout, Integer maxInboundMessageSize,
			Duration deadline, RetrySettings retry, TlsSettings tls, ResolverSettings resolver,
			HealthCheckSettings healthCheck, OutlierDetectionSettings outlierDetection) {
		this(target, policy, keepaliveTime, keepaliveTimeout, keepaliveWithoutCalls, connectTimeout, idleTimeout,
				maxInboundMessageSize, deadline, retry, tls, resolver, healthCheck, outlierDetection, List.of());
	}

	/**
	 * Settings without health checking and outlier detection.
	 */
	public ChannelSettings(String target, String policy, Duration keepaliveTime, Duration keepaliveTimeout,
			boolean keepaliveWithoutCalls, Duration connectTimeout, Duration idleTimeout, Integer maxInboundMessageSize,
			Duration deadline, RetrySettings retry, TlsSettings tls, ResolverSettings resolver) {
		this(target, policy, keepaliveTime, keepaliveTimeout, keepaliveWithoutCalls, connectTimeout, idleTimeout,
				maxInboundMessageSize, deadline, retry, tls, resolver, null, null);
	}

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
		methods = List.copyOf(Objects.requireNonNull(methods, "methods"));
	}

	/**
	 * Whether any call of the client may be retried or hedged (grpc-java's retry machinery must then be on).
	 * @return whether the client or one of its method entries retries or hedges
	 */
	public boolean usesRetries() {
		return this.retry.enabled() || this.methods.stream()
			.anyMatch((method) -> method.hedging() != null || (method.retry() != null && method.retry().enabled()));
	}

	/**
	 * Whether a method has a deadline of its own here (then the client's unary default does not apply to it).
	 * @param fullMethodName e.g. {@code orders.OrderService/GetOrder}
	 * @return whether a matching method entry sets a deadline
	 */
	public boolean hasMethodDeadline(String fullMethodName) {
		for (MethodSettings method : this.methods) {
			if (method.matches(fullMethodName)) {
				// The most specific entry decides (service/method before service).
				return method.deadline() != null;
			}
		}
		return false;
	}

	/**
	 * Settings of one service ({@code method == null}) or method.
	 *
	 * @param service the fully qualified service name, e.g. {@code orders.OrderService}
	 * @param method the method name, or {@code null} for every method of the service
	 * @param deadline deadline of every call, streaming included, or {@code null} to leave it to the client
	 * @param retry the effective retry policy (the client's with this entry's overrides), or {@code null} for none
	 * @param hedging the hedging policy, or {@code null} for none (never together with a retry policy)
	 */
	public record MethodSettings(String service, String method, Duration deadline, RetrySettings retry,
			HedgingSettings hedging) {

		public MethodSettings {
			Objects.requireNonNull(service, "service");
		}

		/**
		 * Whether this entry applies to a method.
		 * @param fullMethodName e.g. {@code orders.OrderService/GetOrder}
		 * @return whether it names that method or its service
		 */
		public boolean matches(String fullMethodName) {
			return (this.method != null) ? fullMethodName.equals(this.service + "/" + this.method)
					: fullMethodName.startsWith(this.service + "/");
		}

	}

	/**
	 * Hedging of an idempotent method (service config {@code hedgingPolicy}).
	 *
	 * @param maxAttempts most calls in parallel, the first included
	 * @param delay time before each further call
	 * @param nonFatalStatusCodes upper-case status code names after which the other calls go on
	 */
	public record HedgingSettings(int maxAttempts, Duration delay, List<String> nonFatalStatusCodes) {

		public HedgingSettings {
			nonFatalStatusCodes = List.copyOf(nonFatalStatusCodes);
		}

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
			double backoffMultiplier, List<String> retryableStatusCodes, ThrottlingSettings throttling) {

		public RetrySettings {
			retryableStatusCodes = List.copyOf(retryableStatusCodes);
		}

		/**
		 * A retry policy without a retry budget.
		 */
		public RetrySettings(boolean enabled, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
				double backoffMultiplier, List<String> retryableStatusCodes) {
			this(enabled, maxAttempts, initialBackoff, maxBackoff, backoffMultiplier, retryableStatusCodes, null);
		}

	}

	/**
	 * The retry budget (service config {@code retryThrottling}).
	 *
	 * @param maxTokens size of the token bucket
	 * @param tokenRatio tokens a successful attempt gives back
	 */
	public record ThrottlingSettings(int maxTokens, double tokenRatio) {
	}

	/**
	 * Client-side health checking (service config {@code healthCheckConfig}).
	 *
	 * @param serviceName the service asked about; empty for the whole server
	 */
	public record HealthCheckSettings(String serviceName) {

		public HealthCheckSettings {
			Objects.requireNonNull(serviceName, "serviceName");
		}

	}

	/**
	 * Outlier ejection (grpc-java's {@code outlier_detection_experimental}) around the client's policy.
	 *
	 * @param interval how often failures are evaluated
	 * @param baseEjectionTime first ejection time
	 * @param maxEjectionTime longest ejection time
	 * @param maxEjectionPercent most backends ejected at once, in percent
	 * @param failurePercentage failure-percentage ejection, or {@code null} for none
	 * @param successRate success-rate ejection, or {@code null} for none
	 */
	public record OutlierDetectionSettings(Duration interval, Duration baseEjectionTime, Duration maxEjectionTime,
			int maxEjectionPercent, FailurePercentage failurePercentage, SuccessRate successRate) {

		/**
		 * Failure-percentage ejection.
		 *
		 * @param threshold share of failed calls, in percent, above which a backend is ejected
		 * @param minimumHosts fewest backends with enough calls for the check to run
		 * @param requestVolume fewest calls per interval for a backend to be judged
		 */
		public record FailurePercentage(int threshold, int minimumHosts, int requestVolume) {
		}

		/**
		 * Success-rate ejection.
		 *
		 * @param stdevFactor standard deviations below the mean at which a backend is ejected
		 * @param minimumHosts fewest backends with enough calls for the check to run
		 * @param requestVolume fewest calls per interval for a backend to be judged
		 */
		public record SuccessRate(double stdevFactor, int minimumHosts, int requestVolume) {
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
