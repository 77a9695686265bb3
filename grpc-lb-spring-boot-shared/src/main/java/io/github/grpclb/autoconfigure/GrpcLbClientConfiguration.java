package io.github.grpclb.autoconfigure;

import java.util.List;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.DialListener;
import io.github.grpclb.channel.DialPerRequestChannelRegistry;
import io.github.grpclb.channel.EndpointSource;
import io.github.grpclb.channel.GrpcLbChannelBuilderCustomizer;
import io.github.grpclb.channel.GrpcLbChannelFactory;
import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.channel.HealthCheckLogBridge;
import io.github.grpclb.channel.PooledChannelRegistry;
import io.github.grpclb.channel.ResolutionListener;
import io.github.grpclb.client.GrpcLbClientBeanPostProcessor;
import io.github.grpclb.client.GrpcLbClientInjection;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.grpclb.kubernetes.EndpointSliceWatches;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The client side both Spring Boot lines share: settings, balancer views, the channel factory (with every
 * {@link GrpcLbChannelBuilderCustomizer} bean, in order), the pooled or dial-per-request registry and
 * {@code @GrpcLbClient} injection. Imported by each line's {@code GrpcLbAutoConfiguration}, which adds what its gRPC
 * integration (net.devh or Spring gRPC) needs.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(GrpcLbProperties.class)
public class GrpcLbClientConfiguration {

	/** Property that switches between pooled channels and dial-per-request. */
	static final String POOLING_PREFIX = GrpcLbProperties.PREFIX + ".pooling";

	/** The rollback switch. */
	static final String POOLING_FLAG = POOLING_PREFIX + ".enabled";

	private static final String POOLING_DECIDES = "channels are pooled or each call dials its own connection (false "
			+ "is the rollback mode)";

	@Bean
	@ConditionalOnMissingBean
	ClientSettingsResolver grpcLbClientSettings(GrpcLbProperties properties, Environment environment,
			ConfigurableListableBeanFactory beanFactory) {
		UnknownKeys.check(environment, properties.isFailOnUnknownKeys());
		return new ClientSettingsResolver(properties, Binder.get(environment), beanFactory.getBeanClassLoader());
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	BalancerViews grpcLbBalancerViews() {
		return new BalancerViews();
	}

	@Bean
	@ConditionalOnMissingBean
	GrpcLbChannelFactory grpcLbChannelFactory(ObjectProvider<GrpcLbChannelBuilderCustomizer> customizers,
			ObjectProvider<ResolutionListener> resolutionListeners, BalancerViews views,
			ObjectProvider<EndpointSource> endpoints) {
		return new GrpcLbChannelFactory(customizers.orderedStream().toList(),
				ResolutionListener.of(resolutionListeners.orderedStream().toList()), views, endpoints.getIfAvailable());
	}

	/**
	 * The EndpointSlice watches of {@code kubernetes:} targets, when fabric8's client is on the class path. Nothing
	 * talks to the API server before a channel with such a target is used. The application's
	 * {@code KubernetesClient} bean is used when it has exactly one (not closed here); else the starter builds one
	 * (kubeconfig, else the pod's service account).
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.fabric8.kubernetes.client.KubernetesClient")
	static class KubernetesConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean(EndpointSource.class)
		EndpointSliceWatches grpcLbEndpointSlices(ObjectProvider<KubernetesClient> client) {
			KubernetesClient application = client.getIfUnique();
			return (application != null) ? new EndpointSliceWatches(application) : new EndpointSliceWatches();
		}

	}

	@Bean
	static GrpcLbClientBeanPostProcessor grpcLbClientBeanPostProcessor() {
		return new GrpcLbClientBeanPostProcessor();
	}

	@Bean
	static GrpcLbClientInjection grpcLbClientInjection() {
		return new GrpcLbClientInjection();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.grpc.protobuf.services.HealthStatusManager")
	static class HealthCheckingConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		HealthCheckLogBridge grpcLbHealthCheckLogBridge() {
			return new HealthCheckLogBridge();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnFlag(value = POOLING_FLAG, havingValue = true, decides = POOLING_DECIDES)
	static class PooledChannelsConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean(GrpcLbChannelRegistry.class)
		PooledChannelRegistry grpcLbChannelRegistry(ClientSettingsResolver settings, GrpcLbChannelFactory factory,
				GrpcLbProperties properties) {
			return new PooledChannelRegistry(settings, factory, properties.getShutdownTimeout());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnFlag(value = POOLING_FLAG, havingValue = false, decides = POOLING_DECIDES)
	static class DialPerRequestConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean(GrpcLbChannelRegistry.class)
		DialPerRequestChannelRegistry grpcLbChannelRegistry(ClientSettingsResolver settings,
				GrpcLbChannelFactory factory, GrpcLbProperties properties, ObjectProvider<DialListener> listeners) {
			List<DialListener> all = listeners.orderedStream().toList();
			DialListener listener = (client, target) -> all.forEach((l) -> l.dialed(client, target));
			return new DialPerRequestChannelRegistry(settings, factory, listener, properties.getShutdownTimeout());
		}

	}

}
