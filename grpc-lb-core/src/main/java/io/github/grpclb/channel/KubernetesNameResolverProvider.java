package io.github.grpclb.channel;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;

import io.grpc.NameResolver;

/**
 * Resolves {@code kubernetes:///service.namespace:port} to the ready endpoints of that Service, from a watch of its
 * EndpointSlices ({@link EndpointSource}; one watch per Service, shared by all channels). Installed per channel by
 * the starter, never in grpc-java's global registry.
 */
public final class KubernetesNameResolverProvider extends InetResolverProvider {

	/** The URI scheme. */
	public static final String SCHEME = "kubernetes";

	/** The dependencies a {@code kubernetes:} target needs, as a build file lists them. */
	public static final String DEPENDENCIES = "io.fabric8:kubernetes-client-api, io.fabric8:kubernetes-client "
			+ "(excluding io.fabric8:kubernetes-httpclient-vertx) and io.fabric8:kubernetes-httpclient-jdk, version "
			+ "7.9.0";

	private final String clientName;

	private final ResolverSettings settings;

	private final ResolutionListener listener;

	private final EndpointSource source;

	/**
	 * Create a provider for one client.
	 * @param clientName the client (for logs and the listener)
	 * @param settings the client's resolver settings (zone preference)
	 * @param listener told what the resolver publishes
	 * @param source where endpoints come from
	 */
	public KubernetesNameResolverProvider(String clientName, ResolverSettings settings, ResolutionListener listener,
			EndpointSource source) {
		super(SCHEME);
		this.clientName = Objects.requireNonNull(clientName, "clientName");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.listener = Objects.requireNonNull(listener, "listener");
		this.source = Objects.requireNonNull(source, "source");
	}

	/**
	 * Whether a target uses this provider's scheme.
	 * @param target a channel target
	 * @return {@code true} for {@code kubernetes:…} targets
	 */
	public static boolean handles(String target) {
		return target.toLowerCase(Locale.ROOT).startsWith(SCHEME + ":");
	}

	/**
	 * Whether fabric8's Kubernetes client is on the class path (a {@code kubernetes:} target needs it).
	 * @param classLoader where to look
	 * @return {@code true} when it is
	 */
	public static boolean clientPresent(ClassLoader classLoader) {
		try {
			Class.forName("io.fabric8.kubernetes.client.KubernetesClientBuilder", false, classLoader);
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

	@Override
	public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
		if (!SCHEME.equalsIgnoreCase(targetUri.getScheme())) {
			return null;
		}
		Target target = Target.parse(targetUri.toString(), false);
		return new KubernetesNameResolver(this.clientName, target.service(), this.settings.kubernetes(), this.source,
				args.getSynchronizationContext(), new Random(), this.listener);
	}

}
