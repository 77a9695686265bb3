package io.github.grpclb.channel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;

/**
 * Resolves {@code static:///host1:port1,host2:port2,…} to a fixed list of backends, one address group per address,
 * so that {@code round_robin} spreads calls over all of them without a DNS server. A host name in the list stands
 * for every address it resolves to.
 * <p>
 * The addresses sit in the URI path (empty authority): grpc-java parses targets as RFC 3986 URIs, where a comma-
 * separated list is not a valid authority. IPv6 literals cannot appear in a path; use a host name for them.
 * <p>
 * The starter installs this provider on its own channels only (see {@link GrpcLbChannelFactory}); nothing is
 * registered JVM-wide.
 */
public final class StaticAddressesNameResolverProvider extends NameResolverProvider {

	/** The URI scheme. */
	public static final String SCHEME = "static";

	/** The provider; it has no state. */
	public static final StaticAddressesNameResolverProvider INSTANCE = new StaticAddressesNameResolverProvider();

	private StaticAddressesNameResolverProvider() {
	}

	/**
	 * Whether a target uses this provider's scheme.
	 * @param target a channel target
	 * @return {@code true} for {@code static:…} targets
	 */
	public static boolean handles(String target) {
		return target.toLowerCase(Locale.ROOT).startsWith(SCHEME + ":");
	}

	/**
	 * Split the path of a {@code static:///…} target into its {@code host:port} entries.
	 * @param target the target
	 * @return the entries, in order, possibly empty or malformed (callers validate them)
	 */
	public static List<String> entries(String target) {
		String path = URI.create(target).getPath();
		if (path == null || path.length() < 2) {
			return List.of();
		}
		return List.of(path.substring(1).split(",", -1));
	}

	/**
	 * The authority a channel with this target reports: its first entry, so that interceptors that parse the
	 * authority as one {@code host:port} (tracing, metrics) work.
	 * @param target a valid static target
	 * @return the first {@code host:port}
	 */
	public static String serviceAuthority(String target) {
		return entries(target).get(0);
	}

	@Override
	protected boolean isAvailable() {
		return true;
	}

	@Override
	protected int priority() {
		return 5;
	}

	@Override
	public String getDefaultScheme() {
		return SCHEME;
	}

	@Override
	public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
		return List.of(InetSocketAddress.class);
	}

	@Override
	public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
		if (!SCHEME.equalsIgnoreCase(targetUri.getScheme())) {
			return null;
		}
		List<String> entries = entries(targetUri.toString());
		if (targetUri.getRawAuthority() != null || entries.isEmpty()) {
			throw new IllegalArgumentException("a static target lists its addresses after three slashes, e.g. "
					+ "static:///10.0.0.1:9090,10.0.0.2:9090, not " + targetUri);
		}
		return new StaticResolver(entries, args.getOffloadExecutor(), args.getSynchronizationContext());
	}

	private static final class StaticResolver extends NameResolver {

		private final List<String> entries;

		private final Executor executor;

		private final SynchronizationContext syncContext;

		private Listener2 listener;

		private boolean resolving;

		private boolean shutdown;

		StaticResolver(List<String> entries, Executor executor, SynchronizationContext syncContext) {
			this.entries = entries;
			this.executor = executor;
			this.syncContext = syncContext;
		}

		@Override
		public String getServiceAuthority() {
			// First entry: see serviceAuthority(String).
			return this.entries.get(0);
		}

		@Override
		public void start(Listener2 listener) {
			this.listener = listener;
			resolve();
		}

		@Override
		public void refresh() {
			resolve();
		}

		@Override
		public void shutdown() {
			this.shutdown = true;
		}

		// Called in the synchronization context.
		private void resolve() {
			if (this.resolving || this.shutdown) {
				return;
			}
			this.resolving = true;
			// Host names may need a lookup, which must not block the synchronization context.
			this.executor.execute(() -> {
				StatusOr<List<EquivalentAddressGroup>> result = lookUp(this.entries);
				this.syncContext.execute(() -> {
					this.resolving = false;
					if (!this.shutdown) {
						this.listener.onResult2(ResolutionResult.newBuilder().setAddressesOrError(result).build());
					}
				});
			});
		}

		private static StatusOr<List<EquivalentAddressGroup>> lookUp(List<String> entries) {
			List<EquivalentAddressGroup> groups = new ArrayList<>();
			List<String> failed = new ArrayList<>();
			for (String entry : entries) {
				int colon = entry.lastIndexOf(':');
				String host = entry.substring(0, colon);
				int port = Integer.parseInt(entry.substring(colon + 1));
				try {
					for (InetAddress address : InetAddress.getAllByName(host)) {
						groups.add(new EquivalentAddressGroup(new InetSocketAddress(address, port)));
					}
				}
				catch (UnknownHostException ex) {
					failed.add(entry);
				}
			}
			if (groups.isEmpty()) {
				return StatusOr.fromStatus(
						Status.UNAVAILABLE.withDescription("no address of the static target resolves: " + failed));
			}
			return StatusOr.fromValue(groups);
		}

	}

}
