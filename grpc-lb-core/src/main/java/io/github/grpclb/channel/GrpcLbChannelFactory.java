package io.github.grpclb.channel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;

/**
 * Builds channels from {@link ChannelSettings}. It does not keep them: the registries own their lifecycle.
 */
public final class GrpcLbChannelFactory {

	/**
	 * While no backend of a pooled channel is reachable, how often it tries them all again (grpc-java's own connect
	 * backoff grows to two minutes, so a fleet that comes back would wait that long for calls).
	 */
	static final Duration RECONNECT_INTERVAL = Duration.ofSeconds(1);

	/**
	 * When a pooled channel has just lost its last working connection, how long new calls wait for a backend
	 * (the replacements of a blue/green switch being resolved and connected) before failing.
	 */
	static final Duration FAILOVER_WAIT = Duration.ofSeconds(2);

	private final List<GrpcLbChannelBuilderCustomizer> customizers;

	private final ResolutionListener resolutionListener;

	private final BalancerViews views;

	private final EndpointSource endpoints;

	/**
	 * Create a factory.
	 * @param customizers applied in list order to every builder, after the starter's own settings
	 */
	public GrpcLbChannelFactory(List<GrpcLbChannelBuilderCustomizer> customizers) {
		this(customizers, ResolutionListener.NONE);
	}

	/**
	 * Create a factory.
	 * @param customizers applied in list order to every builder, after the starter's own settings
	 * @param resolutionListener told what the resolvers of the starter's channels find
	 */
	public GrpcLbChannelFactory(List<GrpcLbChannelBuilderCustomizer> customizers,
			ResolutionListener resolutionListener) {
		this(customizers, resolutionListener, null);
	}

	/**
	 * Create a factory.
	 * @param customizers applied in list order to every builder, after the starter's own settings
	 * @param resolutionListener told what the resolvers of the starter's channels find
	 * @param views where each client's balancer shows what it sees, or {@code null} for nowhere (the views must also
	 * be among the resolution listeners to show resolutions)
	 */
	public GrpcLbChannelFactory(List<GrpcLbChannelBuilderCustomizer> customizers,
			ResolutionListener resolutionListener, BalancerViews views) {
		this(customizers, resolutionListener, views, null);
	}

	/**
	 * Create a factory.
	 * @param customizers applied in list order to every builder, after the starter's own settings
	 * @param resolutionListener told what the resolvers of the starter's channels find
	 * @param views where each client's balancer shows what it sees, or {@code null} for nowhere (the views must also
	 * be among the resolution listeners to show resolutions)
	 * @param endpoints where {@code kubernetes:} targets get their endpoints, or {@code null} when there is no
	 * Kubernetes client (such targets then fail)
	 */
	public GrpcLbChannelFactory(List<GrpcLbChannelBuilderCustomizer> customizers,
			ResolutionListener resolutionListener, BalancerViews views, EndpointSource endpoints) {
		this.customizers = List.copyOf(Objects.requireNonNull(customizers, "customizers"));
		this.resolutionListener = Objects.requireNonNull(resolutionListener, "resolutionListener");
		this.views = views;
		this.endpoints = endpoints;
	}

	/**
	 * The resolver provider the starter installs on a channel of this client, if any.
	 * @param clientName the client
	 * @param settings its settings
	 * @param resolutionListener told what the resolver finds
	 * @return the provider, or {@code null} to leave the target to grpc-java's registry
	 */
	public static NameResolverProvider resolverProvider(String clientName, ChannelSettings settings,
			ResolutionListener resolutionListener) {
		return resolverProvider(clientName, settings, resolutionListener, null);
	}

	/**
	 * The resolver provider the starter installs on a channel of this client, if any.
	 * @param clientName the client
	 * @param settings its settings
	 * @param resolutionListener told what the resolver finds
	 * @param endpoints where {@code kubernetes:} targets get their endpoints, or {@code null} when there is no
	 * Kubernetes client
	 * @return the provider, or {@code null} to leave the target to grpc-java's registry
	 * @throws InvalidTargetException for a {@code kubernetes:} target without {@code endpoints}
	 */
	public static NameResolverProvider resolverProvider(String clientName, ChannelSettings settings,
			ResolutionListener resolutionListener, EndpointSource endpoints) {
		if (KubernetesNameResolverProvider.handles(settings.target())) {
			if (endpoints == null) {
				throw new InvalidTargetException(clientName, settings.target(), new IllegalArgumentException(
						"a kubernetes: target needs fabric8's Kubernetes client: add "
								+ KubernetesNameResolverProvider.DEPENDENCIES));
			}
			return new KubernetesNameResolverProvider(clientName, settings.resolver(), resolutionListener, endpoints);
		}
		if (StaticAddressesNameResolverProvider.handles(settings.target())) {
			return new StaticAddressesNameResolverProvider(clientName, settings.resolver(), resolutionListener);
		}
		if (settings.target().regionMatches(true, 0, "dns:", 0, 4)
				&& settings.resolver().type() == ResolverSettings.Type.REFRESHING) {
			return new RefreshingDnsNameResolverProvider(clientName, settings.resolver(), resolutionListener);
		}
		return null;
	}

	/**
	 * A long-lived channel with the client's load-balancing policy.
	 * @param clientName the client asking for it (passed on to customizers)
	 * @param settings the settings
	 * @return a new, not yet connected channel
	 */
	public ManagedChannel createPooled(String clientName, ChannelSettings settings) {
		FailoverWait failover = new FailoverWait(clientName, FAILOVER_WAIT);
		String observeKey = (this.views != null) ? this.views.observe(clientName, settings) : null;
		ManagedChannel channel = create(clientName, settings, ServiceConfigs.pooled(settings, observeKey),
				resolverProvider(clientName, settings, this.resolutionListener, this.endpoints),
				UnsentCallReplay.interceptor(), failover);
		failover.watching(ConnectionWatch.watch(channel, RECONNECT_INTERVAL));
		return channel;
	}

	/**
	 * The one resolution that all single-call channels of a client share in dial-per-request mode.
	 * @param clientName the client
	 * @param settings its settings
	 * @return the shared resolution; close it when the client's channel shuts down
	 */
	SharedResolution sharedResolution(String clientName, ChannelSettings settings) {
		if (this.views != null) {
			this.views.dialing(clientName, settings);
		}
		NameResolverProvider provider = resolverProvider(clientName, settings, this.resolutionListener, this.endpoints);
		if (provider == null) {
			String scheme = URI.create(settings.target()).getScheme();
			provider = NameResolverRegistry.getDefaultRegistry().getProviderForScheme(scheme);
			if (provider == null) {
				throw new InvalidTargetException(clientName, settings.target(),
						new IllegalArgumentException("no name resolver for scheme '" + scheme + "'"));
			}
		}
		return new SharedResolution(clientName, settings.target(), provider, (settings.tls() != null) ? 443 : 80);
	}

	/**
	 * A channel for exactly one call: one connection to one randomly picked address of the shared resolution.
	 * @param clientName the client asking for it (passed on to customizers)
	 * @param settings the settings
	 * @param resolution where the channel takes its addresses from
	 * @return a new, not yet connected channel
	 */
	ManagedChannel createSingleCall(String clientName, ChannelSettings settings, SharedResolution resolution) {
		return create(clientName, settings, ServiceConfigs.dialPerRequest(settings), resolution.provider(Set.of()));
	}

	/**
	 * A channel for one attempt of a call that the caller retries itself, on a fresh channel each time: no retries
	 * inside, and none of the addresses earlier attempts failed on (unless no other is left).
	 * @param clientName the client asking for it (passed on to customizers)
	 * @param settings the settings
	 * @param resolution where the channel takes its addresses from
	 * @param excluded addresses to leave out
	 * @return a new, not yet connected channel
	 */
	ManagedChannel createSingleAttempt(String clientName, ChannelSettings settings, SharedResolution resolution,
			Set<SocketAddress> excluded) {
		return create(clientName, settings, ServiceConfigs.dialPerRequestWithoutRetries(settings),
				resolution.provider(excluded));
	}

	private ManagedChannel create(String clientName, ChannelSettings settings, Map<String, ?> serviceConfig,
			NameResolverProvider resolver) {
		return create(clientName, settings, serviceConfig, resolver, new ClientInterceptor[0]);
	}

	@SuppressWarnings("deprecation") // nameResolverFactory is the public way to scope a resolver to one channel
	private ManagedChannel create(String clientName, ChannelSettings settings, Map<String, ?> serviceConfig,
			NameResolverProvider resolver, ClientInterceptor... innermost) {
		NettyChannelBuilder builder = NettyChannelBuilder.forTarget(settings.target(), credentials(settings));
		if (resolver != null) {
			builder.nameResolverFactory(resolver);
		}
		builder.keepAliveTime(settings.keepaliveTime().toNanos(), TimeUnit.NANOSECONDS)
			.keepAliveTimeout(settings.keepaliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
			.keepAliveWithoutCalls(settings.keepaliveWithoutCalls())
			.withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
					Math.max(1, settings.connectTimeout().toMillis())))
			// Our policy must not be replaced by a TXT record the operator never meant for this client.
			.disableServiceConfigLookUp()
			.defaultServiceConfig(serviceConfig);
		if (settings.usesRetries() && serviceConfig.containsKey("methodConfig")) {
			builder.enableRetry();
			// Remembers, per call, where its attempts failed; only the pooled policy looks at it.
			builder.intercept(RetryElsewhereLoadBalancerProvider.interceptor());
		}
		else {
			builder.disableRetry();
		}
		// Added before the deadline interceptor, so they run after it: they see the call options it sets.
		builder.intercept(innermost);
		if (settings.deadline() != null) {
			builder.intercept(new DefaultDeadlineInterceptor(settings));
		}
		if (settings.idleTimeout() != null) {
			builder.idleTimeout(settings.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
		}
		if (settings.maxInboundMessageSize() != null) {
			builder.maxInboundMessageSize(settings.maxInboundMessageSize());
		}
		if (settings.tls() != null && settings.tls().authorityOverride() != null) {
			builder.overrideAuthority(settings.tls().authorityOverride());
		}
		for (GrpcLbChannelBuilderCustomizer customizer : this.customizers) {
			customizer.customize(clientName, settings.target(), builder);
		}
		try {
			return builder.build();
		}
		catch (IllegalArgumentException ex) {
			// grpc-java found no name resolver that accepts the target.
			throw new InvalidTargetException(clientName, settings.target(), ex);
		}
	}

	private static ChannelCredentials credentials(ChannelSettings settings) {
		ChannelSettings.TlsSettings tls = settings.tls();
		if (tls == null) {
			return InsecureChannelCredentials.create();
		}
		TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
		try {
			if (tls.trustCertCollectionPem() != null) {
				builder.trustManager(pem(tls.trustCertCollectionPem()));
			}
			if (tls.certificateChainPem() != null && tls.privateKeyPem() != null) {
				builder.keyManager(pem(tls.certificateChainPem()), pem(tls.privateKeyPem()));
			}
		}
		catch (IOException | IllegalArgumentException ex) {
			throw new IllegalStateException("Invalid TLS material for target " + settings.target() + ": "
					+ ex.getMessage(), ex);
		}
		return builder.build();
	}

	private static InputStream pem(String text) {
		return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
	}

}
