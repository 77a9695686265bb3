package io.github.grpclb.autoconfigure;

import io.github.grpclb.channel.ChannelSettings;
import io.github.grpclb.channel.ServiceConfigs;
import io.grpc.ManagedChannelBuilder;
import net.devh.boot.grpc.client.channelfactory.GrpcChannelConfigurer;

/**
 * Gives channels created by net.devh's own {@code @GrpcClient} this starter's load-balancing policy, retry
 * policy and deadline: those of {@code grpc.lb.clients.<name>} when a client of the same name is configured, else
 * {@code grpc.lb.defaults}. The address, keepalive and security stay as net.devh configures them.
 */
final class NetDevhChannelConfigurer implements GrpcChannelConfigurer {

	private final ClientSettingsResolver settings;

	NetDevhChannelConfigurer(ClientSettingsResolver settings) {
		this.settings = settings;
	}

	@Override
	public void accept(ManagedChannelBuilder<?> builder, String name) {
		ChannelSettings resolved = this.settings.forClientOrDefaults(name);
		builder.defaultServiceConfig(ServiceConfigs.pooled(resolved));
		if (resolved.retry().enabled()) {
			builder.enableRetry();
		}
	}

}
