package io.github.grpclb.sample.order;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The order-service role: gRPC servers for {@code OrderService}. Environment variables bind by Spring's relaxed
 * rules, e.g. {@code ORDER_FORCE_UNAVAILABLE=true}.
 */
@ConfigurationProperties("order")
public class OrderServiceProperties {

	/**
	 * Run the order service in this process.
	 */
	private boolean enabled;

	/**
	 * Addresses to listen on, one server each, all on {@code port}. Locally three loopback addresses stand for
	 * three pods; in a pod, 0.0.0.0.
	 */
	private List<String> listenAddresses = List.of("0.0.0.0");

	/**
	 * gRPC port (the container port a headless Service's DNS answers point at).
	 */
	private int port = 50051;

	/**
	 * Name returned as served_by. Empty: the listen address and port when it is a specific address, else the host
	 * name (the pod name in Kubernetes).
	 */
	private String instanceName = "";

	/**
	 * Answer every call with UNAVAILABLE, to watch client retries route around this backend. With several listen
	 * addresses in one process only the first one fails.
	 */
	private boolean forceUnavailable;

	/**
	 * Close each connection (with GOAWAY) after this long, so clients reconnect and re-resolve DNS.
	 */
	private Duration maxConnectionAge = Duration.ofMinutes(5);

	/**
	 * Time calls in flight get to finish once a connection has reached its maximum age.
	 */
	private Duration maxConnectionAgeGrace = Duration.ofSeconds(30);

	/**
	 * Most frequent client keepalive ping accepted; must not exceed the clients' keepalive-time (starter default
	 * 10s), or the server answers GOAWAY too_many_pings.
	 */
	private Duration permitKeepaliveTime = Duration.ofSeconds(5);

	/**
	 * Accept keepalive pings on connections without calls (the starter's clients send them by default).
	 */
	private boolean permitKeepaliveWithoutCalls = true;

	/**
	 * On shutdown, how long calls in flight get to complete before they are cancelled.
	 */
	private Duration drainTimeout = Duration.ofSeconds(20);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public List<String> getListenAddresses() {
		return this.listenAddresses;
	}

	public void setListenAddresses(List<String> listenAddresses) {
		this.listenAddresses = listenAddresses;
	}

	public int getPort() {
		return this.port;
	}

	public void setPort(int port) {
		this.port = port;
	}

	public String getInstanceName() {
		return this.instanceName;
	}

	public void setInstanceName(String instanceName) {
		this.instanceName = instanceName;
	}

	public boolean isForceUnavailable() {
		return this.forceUnavailable;
	}

	public void setForceUnavailable(boolean forceUnavailable) {
		this.forceUnavailable = forceUnavailable;
	}

	public Duration getMaxConnectionAge() {
		return this.maxConnectionAge;
	}

	public void setMaxConnectionAge(Duration maxConnectionAge) {
		this.maxConnectionAge = maxConnectionAge;
	}

	public Duration getMaxConnectionAgeGrace() {
		return this.maxConnectionAgeGrace;
	}

	public void setMaxConnectionAgeGrace(Duration maxConnectionAgeGrace) {
		this.maxConnectionAgeGrace = maxConnectionAgeGrace;
	}

	public Duration getPermitKeepaliveTime() {
		return this.permitKeepaliveTime;
	}

	public void setPermitKeepaliveTime(Duration permitKeepaliveTime) {
		this.permitKeepaliveTime = permitKeepaliveTime;
	}

	public boolean isPermitKeepaliveWithoutCalls() {
		return this.permitKeepaliveWithoutCalls;
	}

	public void setPermitKeepaliveWithoutCalls(boolean permitKeepaliveWithoutCalls) {
		this.permitKeepaliveWithoutCalls = permitKeepaliveWithoutCalls;
	}

	public Duration getDrainTimeout() {
		return this.drainTimeout;
	}

	public void setDrainTimeout(Duration drainTimeout) {
		this.drainTimeout = drainTimeout;
	}

}
