package io.github.grpclb.channel;

import java.net.URI;
import java.util.Objects;
import java.util.Random;

import io.grpc.NameResolver;

/**
 * A provider of one client's {@link RefreshingDnsNameResolver}s for one scheme: what differs between schemes is how
 * a target is looked up once. Installed per channel, never in grpc-java's global registry.
 */
abstract class ClientResolverProvider extends InetResolverProvider {

	private final String clientName;

	private final ResolverSettings settings;

	private final ResolutionListener listener;

	ClientResolverProvider(String scheme, String clientName, ResolverSettings settings, ResolutionListener listener) {
		super(scheme);
		this.clientName = Objects.requireNonNull(clientName, "clientName");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.listener = Objects.requireNonNull(listener, "listener");
	}

	/**
	 * How a target of this scheme is looked up.
	 * @param target the parsed target
	 * @param settings the client's resolver settings
	 * @return one blocking lookup, run off the synchronization context
	 */
	abstract AddressLookup lookupFor(Target target, ResolverSettings settings);

	/**
	 * What a target of this scheme looks up, for logs and errors.
	 * @param target the parsed target
	 * @return a short description
	 */
	abstract String describe(Target target);

	@Override
	public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
		if (!getDefaultScheme().equalsIgnoreCase(targetUri.getScheme())) {
			return null;
		}
		Target target = Target.parse(targetUri.toString(), this.settings.srv());
		return new RefreshingDnsNameResolver(this.clientName, target.authority(), describe(target), this.settings,
				lookupFor(target, this.settings), args.getSynchronizationContext(), args.getScheduledExecutorService(),
				args.getOffloadExecutor(), System::nanoTime, new Random(), this.listener);
	}

}
