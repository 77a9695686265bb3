package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.grpc.ChannelLogger;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;

/**
 * A DNS resolver that keeps up with scaling:
 * <ul>
 * <li>resolves again every {@code refresh-interval} (±10% jitter), sooner when record TTLs are shorter, never more
 * often than {@code min-refresh-interval} — also when the channel asks after a connection broke;</li>
 * <li>tells the load balancer only when the set of addresses changed, so a refresh never touches healthy
 * connections;</li>
 * <li>on an error or timeout keeps the last good addresses and retries with exponential backoff (from
 * {@code min-refresh-interval} up to {@code refresh-interval}); the channel hears of an error only while it has
 * never had addresses.</li>
 * </ul>
 * All state is confined to the channel's synchronization context; lookups run on the offload executor.
 */
final class RefreshingDnsNameResolver extends NameResolver {

	private final DnsTarget target;

	private final ResolverSettings settings;

	private final AddressLookup lookup;

	private final SynchronizationContext syncContext;

	private final ScheduledExecutorService timer;

	private final Executor executor;

	private final ChannelLogger logger;

	private Listener2 listener;

	private Set<InetSocketAddress> current;

	private boolean resolving;

	private boolean shutdown;

	private long lastStartedNanos;

	private int failures;

	private SynchronizationContext.ScheduledHandle next;

	private long nextAtNanos;

	RefreshingDnsNameResolver(DnsTarget target, ResolverSettings settings, AddressLookup lookup,
			SynchronizationContext syncContext, ScheduledExecutorService timer, Executor executor,
			ChannelLogger logger) {
		this.target = target;
		this.settings = settings;
		this.lookup = lookup;
		this.syncContext = syncContext;
		this.timer = timer;
		this.executor = executor;
		this.logger = logger;
	}

	@Override
	public String getServiceAuthority() {
		return this.target.authority();
	}

	@Override
	public void start(Listener2 listener) {
		this.listener = listener;
		resolveNow();
	}

	/**
	 * The channel asks for a fresh answer (a connection failed or went idle). Honoured, but not more often than
	 * {@code min-refresh-interval}.
	 */
	@Override
	public void refresh() {
		if (this.shutdown || this.resolving) {
			return;
		}
		long sinceLast = System.nanoTime() - this.lastStartedNanos;
		long gap = this.settings.minRefreshInterval().toNanos();
		if (sinceLast >= gap) {
			resolveNow();
		}
		else {
			scheduleIn(gap - sinceLast, true);
		}
	}

	@Override
	public void shutdown() {
		this.shutdown = true;
		cancelScheduled();
	}

	private void resolveNow() {
		if (this.shutdown || this.resolving) {
			return;
		}
		cancelScheduled();
		this.resolving = true;
		this.lastStartedNanos = System.nanoTime();
		this.executor.execute(() -> {
			AddressLookup.Answer answer = null;
			IOException error = null;
			try {
				answer = this.lookup.lookUp();
			}
			catch (IOException ex) {
				error = ex;
			}
			catch (RuntimeException ex) {
				error = new IOException(ex.toString(), ex);
			}
			AddressLookup.Answer found = answer;
			IOException failed = error;
			this.syncContext.execute(() -> completed(found, failed));
		});
	}

	private void completed(AddressLookup.Answer answer, IOException error) {
		this.resolving = false;
		if (this.shutdown) {
			return;
		}
		if (answer != null) {
			this.failures = 0;
			Set<InetSocketAddress> addresses = new LinkedHashSet<>(sorted(answer.addresses()));
			if (!addresses.equals(this.current)) {
				this.logger.log(ChannelLogger.ChannelLogLevel.INFO, "DNS {0}: addresses now {1}", this.target.host(),
						addresses);
				this.current = addresses;
				List<EquivalentAddressGroup> groups = new ArrayList<>();
				addresses.forEach((address) -> groups.add(new EquivalentAddressGroup(address)));
				this.listener.onResult2(ResolutionResult.newBuilder().setAddressesOrError(
						io.grpc.StatusOr.fromValue(groups)).build());
			}
			scheduleIn(nextRefresh(answer.ttl()).toNanos(), false);
			return;
		}
		this.failures++;
		this.logger.log(ChannelLogger.ChannelLogLevel.WARNING, "DNS {0} failed ({1} in a row), {2}: {3}",
				this.target.host(), this.failures,
				(this.current != null) ? "keeping " + this.current : "no addresses yet", error.getMessage());
		if (this.current == null) {
			this.listener.onError(Status.UNAVAILABLE
				.withDescription("DNS resolution of " + this.target.authority() + " failed: " + error.getMessage())
				.withCause(error));
		}
		scheduleIn(backoff().toNanos(), false);
	}

	private Duration nextRefresh(Duration ttl) {
		Duration interval = this.settings.refreshInterval();
		if (ttl != null && ttl.compareTo(interval) < 0) {
			interval = ttl;
		}
		if (interval.compareTo(this.settings.minRefreshInterval()) < 0) {
			interval = this.settings.minRefreshInterval();
		}
		return jitter(interval);
	}

	private Duration backoff() {
		long min = this.settings.minRefreshInterval().toNanos();
		long max = Math.max(min, this.settings.refreshInterval().toNanos());
		long delay = min << Math.min(this.failures - 1, 20);
		return jitter(Duration.ofNanos((delay <= 0 || delay > max) ? max : delay));
	}

	private Duration jitter(Duration interval) {
		double factor = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
		Duration jittered = Duration.ofNanos((long) (interval.toNanos() * factor));
		// Never below the minimum gap, even after jitter.
		return (jittered.compareTo(this.settings.minRefreshInterval()) < 0) ? this.settings.minRefreshInterval()
				: jittered;
	}

	private void scheduleIn(long nanos, boolean onlyIfSooner) {
		long at = System.nanoTime() + nanos;
		if (this.next != null && this.next.isPending()) {
			if (onlyIfSooner && this.nextAtNanos - at <= 0) {
				return;
			}
			this.next.cancel();
		}
		this.nextAtNanos = at;
		this.next = this.syncContext.schedule(this::resolveNow, nanos, TimeUnit.NANOSECONDS, this.timer);
	}

	private void cancelScheduled() {
		if (this.next != null) {
			this.next.cancel();
			this.next = null;
		}
	}

	private static List<InetSocketAddress> sorted(List<InetSocketAddress> addresses) {
		List<InetSocketAddress> copy = new ArrayList<>(addresses);
		copy.sort(Comparator.comparing((InetSocketAddress a) -> a.getAddress().getHostAddress())
			.thenComparingInt(InetSocketAddress::getPort));
		return copy;
	}

}
