package io.github.grpclb.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Integration with Spring gRPC's own channels ({@code grpc.lb.spring-grpc.*}, Boot 4 line).
 */
@ConfigurationProperties(SpringGrpcProperties.PREFIX)
public class SpringGrpcProperties {

	/** Prefix of these properties. */
	public static final String PREFIX = GrpcLbProperties.PREFIX + ".spring-grpc";

	/**
	 * Whether to apply this starter's load-balancing policy, resolver, retry policy and deadline to the channels
	 * Spring gRPC creates ("spring.grpc.client.channel.<name>", @ImportGrpcClients); client settings of the same
	 * name win over the defaults.
	 */
	private boolean enabled = true;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

}
