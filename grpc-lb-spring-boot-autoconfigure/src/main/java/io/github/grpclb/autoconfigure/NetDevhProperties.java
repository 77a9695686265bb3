package io.github.grpclb.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Integration with net.devh's own {@code @GrpcClient} channels ({@code grpc.lb.net-devh.*}, Boot 3.5 line).
 */
@ConfigurationProperties(NetDevhProperties.PREFIX)
public class NetDevhProperties {

	/** Prefix of these properties. */
	public static final String PREFIX = GrpcLbProperties.PREFIX + ".net-devh";

	/**
	 * Whether to apply this starter's load-balancing policy, retry policy and deadline to the channels that
	 * net.devh's {@code @GrpcClient} creates (client settings of the same name win over the defaults).
	 */
	private boolean enabled = true;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

}
