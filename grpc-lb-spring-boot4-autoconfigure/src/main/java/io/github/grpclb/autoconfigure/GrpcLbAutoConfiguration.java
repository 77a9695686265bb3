package io.github.grpclb.autoconfigure;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ChannelSettings;
import io.github.grpclb.channel.EndpointSource;
import io.github.grpclb.channel.ResolutionListener;
import io.github.grpclb.client.GrpcLbClientSupport;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientDefaultServiceConfigCustomizer;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.grpc.client.GrpcChannelBuilderCustomizer;

/**
 * Auto-configuration of pooled, load-balanced gRPC client channels and {@code @GrpcLbClient} injection on Spring
 * Boot 4 with Spring gRPC: Spring gRPC's global client interceptors (observation included) apply to the starter's
 * channels, and the starter's settings to Spring gRPC's own channels ({@code spring.grpc.client.channel.<name>},
 * {@code @ImportGrpcClients}).
 */
@AutoConfiguration(afterName = "org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration")
@ConditionalOnClass({ ManagedChannel.class, NettyChannelBuilder.class, GlobalClientInterceptor.class })
@ConditionalOnFlag(value = GrpcLbProperties.PREFIX + ".enabled", decides = "the starter is on")
@EnableConfigurationProperties(SpringGrpcProperties.class)
@Import(GrpcLbClientConfiguration.class)
public final class GrpcLbAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	GrpcLbClientSupport grpcLbClientSupport(ListableBeanFactory beanFactory) {
		return new SpringGrpcClientSupport(beanFactory);
	}

	/**
	 * The starter's settings for Spring gRPC's channels: those of {@code grpc.lb.clients.<name>} for the channel of
	 * that name, else {@code grpc.lb.defaults}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ GrpcClientDefaultServiceConfigCustomizer.class, GrpcChannelBuilderCustomizer.class })
	@ConditionalOnFlag(value = SpringGrpcProperties.PREFIX + ".enabled",
			decides = "Spring gRPC's channels get the starter's settings")
	static class SpringGrpcChannelsConfiguration {

		@Bean
		IntegrationChannels grpcLbSpringGrpcChannels(ClientSettingsResolver settings,
				ObjectProvider<ResolutionListener> resolutionListeners, BalancerViews views,
				ObjectProvider<EndpointSource> endpoints) {
			return new IntegrationChannels(settings,
					ResolutionListener.of(resolutionListeners.orderedStream().toList()), views,
					endpoints.getIfAvailable());
		}

		/**
		 * Spring gRPC merges the default service config of every channel from these customizers and sets it last,
		 * after every builder customizer: the starter's policy, retry and health checking go in here. Where both
		 * set a key ({@code spring.grpc.client.channel.<name>.service-config.*}), the starter's value wins.
		 */
		@Bean
		GrpcClientDefaultServiceConfigCustomizer grpcLbSpringGrpcServiceConfig(IntegrationChannels channels) {
			return (name, serviceConfig) -> serviceConfig.putAll(channels.serviceConfig(name, channels.settingsFor(name)));
		}

		@Bean
		<T extends ManagedChannelBuilder<T>> GrpcChannelBuilderCustomizer<T> grpcLbSpringGrpcChannelCustomizer(
				IntegrationChannels channels, ObjectProvider<GrpcClientProperties> properties) {
			return (name, builder) -> {
				ChannelSettings resolved = channels.settingsFor(name);
				channels.customize(builder, name, resolved, SpringGrpcTargets.address(properties, name));
			};
		}

	}

}
