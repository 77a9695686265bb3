package io.github.grpclb.autoconfigure;

import java.net.URI;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ChannelSettings;
import io.github.grpclb.channel.EndpointSource;
import io.github.grpclb.channel.ResolutionListener;
import io.grpc.ManagedChannelBuilder;
import net.devh.boot.grpc.client.channelfactory.GrpcChannelConfigurer;
import net.devh.boot.grpc.client.config.GrpcChannelsProperties;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Gives channels created by net.devh's own {@code @GrpcClient} this starter's load-balancing policy, retry
 * policy, deadline and, for {@code dns:} addresses, its refreshing resolver (see {@link IntegrationChannels}).
 * The address, keepalive and security stay as net.devh configures them.
 */
final class NetDevhChannelConfigurer implements GrpcChannelConfigurer {

	private final IntegrationChannels channels;

	private final ObjectProvider<GrpcChannelsProperties> properties;

	NetDevhChannelConfigurer(ClientSettingsResolver settings, ObjectProvider<GrpcChannelsProperties> properties,
			ResolutionListener resolutionListener, BalancerViews views, EndpointSource endpoints) {
		this.channels = new IntegrationChannels(settings, resolutionListener, views, endpoints);
		this.properties = properties;
	}

	@Override
	public void accept(ManagedChannelBuilder<?> builder, String name) {
		ChannelSettings resolved = this.channels.settingsFor(name);
		builder.defaultServiceConfig(this.channels.serviceConfig(name, resolved));
		this.channels.customize(builder, name, resolved, address(name));
	}

	private URI address(String name) {
		GrpcChannelsProperties properties = this.properties.getIfAvailable();
		return (properties != null) ? properties.getChannel(name).getAddress() : null;
	}

}
