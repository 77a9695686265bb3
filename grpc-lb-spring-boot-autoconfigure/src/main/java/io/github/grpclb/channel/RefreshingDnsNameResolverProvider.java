package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Random;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;

/**
 * The {@code dns} scheme for the starter's channels: a {@link RefreshingDnsNameResolver}. Installed on each channel
 * by {@link GrpcLbChannelFactory}, never in grpc-java's global registry.
 * <p>
 * Targets: {@code dns:///host:port} (the system's resolver, as the JDK resolves names) and
 * {@code dns://server[:port]/host:port} (queries go to that DNS server). With SRV on, the port may be left out:
 * it comes from the {@code _grpc._tcp.host} records.
 */
public final class RefreshingDnsNameResolverProvider extends NameResolverProvider {

	private final String clientName;

	private final ResolverSettings settings;

	private final ResolutionListener listener;

	/**
	 * Create a provider for one client.
	 * @param clientName the client (for logs and the listener)
	 * @param settings how to resolve
	 * @param listener told about every lookup
	 */
	public RefreshingDnsNameResolverProvider(String clientName, ResolverSettings settings,
			ResolutionListener listener) {
		this.clientName = Objects.requireNonNull(clientName, "clientName");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.listener = Objects.requireNonNull(listener, "listener");
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
		return "dns";
	}

	@Override
	public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
		return List.of(InetSocketAddress.class);
	}

	@Override
	public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
		if (!"dns".equalsIgnoreCase(targetUri.getScheme())) {
			return null;
		}
		DnsTarget target = DnsTarget.of(Target.parse(targetUri.toString(), this.settings.srv()));
		return new RefreshingDnsNameResolver(this.clientName, target.authority(),
				target.server() != null ? target.host() + " (DNS server " + target.server() + ")" : target.host(),
				this.settings, AddressLookup.forTarget(target, this.settings), args.getSynchronizationContext(),
				args.getScheduledExecutorService(), args.getOffloadExecutor(), System::nanoTime,
				new Random(), this.listener);
	}

}
