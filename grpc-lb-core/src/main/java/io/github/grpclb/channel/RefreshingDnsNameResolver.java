package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.Random;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import io.grpc.internal.GrpcUtil;
import io.grpc.internal.SharedResourceHolder;

/**
 * A resolver that keeps up with scaling:
 * <ul>
 * <li>resolves again every {@code refresh-interval} (±10% jitter), sooner when record TTLs are shorter, never more
 * often than {@code min-refresh-interval} — also when the channel asks after a connection broke;</li>
 * <li>tells the load balancer only when the set of addresses changed, so a refresh never touches healthy
 * connections; each new set goes out in random order (as grpc-java's DNS resolver does), so that clients with
 * {@code pick_first} do not all pick the same pod;</li>
 * <li>on an error or timeout keeps the last good addresses and retries with exponential backoff (from
 * {@code min-refresh-interval} up to {@code refresh-interval}); the channel hears of an error only while it has
 * never had addresses;</li>
 * <li>logs a failure once when lookups start failing and once when they recover, with the client's name, and tells
 * a {@link ResolutionListener} about every lookup.</li>
 * </ul>
 * All state is confined to the channel's synchronization context; lookups run on the offload executor (grpc-java's
 * shared executor when the channel has none). Whatever a lookup throws, the resolver goes on resolving.
 */
final class RefreshingDnsNameResolver extends NameResolver {

	private static final Logger logger = LoggerFactory.getLogger(RefreshingDnsNameResolver.class);

	private final String clientName;

	private final String authority;

	private final String name;

	private final ResolverSettings settings;

	private final AddressLookup lookup;

	private final SynchronizationContext syncContext;

	private final ScheduledExecutorService timer;

	private final Executor offloadExecutor;

	private final LongSupplier ticker;

	private final Random random;

	private final ResolutionListener resolutionListener;

	private Executor executor;

	private Listener2 listener;

	private Set<InetSocketAddress> current;

	private boolean resolving;

	private boolean shutdown;

	private long lastStartedNanos;

	private int failures;

	private SynchronizationContext.ScheduledHandle next;

	private long nextAtNanos;

	/**
	 * Create a resolver.
	 * @param clientName the client it resolves for (logs, listener)
	 * @param authority what the channel reports as its authority
	 * @param name what is looked up, for logs and errors
	 * @param settings refresh intervals
	 * @param lookup one blocking resolution
	 * @param syncContext the channel's synchronization context
	 * @param timer the channel's scheduler
	 * @param offloadExecutor where lookups run, or {@code null} for grpc-java's shared executor
	 * @param ticker the time in nanoseconds ({@code System::nanoTime} outside tests)
	 * @param random the source of jitter and of the address order
	 * @param resolutionListener told about every lookup
	 */
	RefreshingDnsNameResolver(String clientName, String authority, String name, ResolverSettings settings,
			AddressLookup lookup, SynchronizationContext syncContext, ScheduledExecutorService timer,
			Executor offloadExecutor, LongSupplier ticker, Random random,
			ResolutionListener resolutionListener) {
		this.clientName = Objects.requireNonNull(clientName, "clientName");
		this.authority = Objects.requireNonNull(authority, "authority");
		this.name = Objects.requireNonNull(name, "name");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.lookup = Objects.requireNonNull(lookup, "lookup");
		this.syncContext = Objects.requireNonNull(syncContext, "syncContext");
		this.timer = Objects.requireNonNull(timer, "timer");
		this.offloadExecutor = offloadExecutor;
		this.ticker = Objects.requireNonNull(ticker, "ticker");
		this.random = Objects.requireNonNull(random, "random");
		this.resolutionListener = Objects.requireNonNull(resolutionListener, "resolutionListener");
	}

	@Override
	public String getServiceAuthority() {
		return this.authority;
	}

	@Override
	public void start(Listener2 listener) {
		this.listener = Objects.requireNonNull(listener, "listener");
		this.executor = (this.offloadExecutor != null) ? this.offloadExecutor
				: SharedResourceHolder.get(GrpcUtil.SHARED_CHANNEL_EXECUTOR);
		resolveNow();
	}

	/**
	 * The channel asks for a fresh answer (a connection failed or went idle). Honoured, but not more often than
	 * {@code min-refresh-interval}.
	 */
	@Override
	public void refresh() {
		if (this.shutdown || this.resolving || this.listener == null) {
			return;
		}
		long sinceLast = this.ticker.getAsLong() - this.lastStartedNanos;
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
		if (this.shutdown) {
			return;
		}
		this.shutdown = true;
		cancelScheduled();
		if (this.offloadExecutor == null && this.executor != null) {
			this.executor = SharedResourceHolder.release(GrpcUtil.SHARED_CHANNEL_EXECUTOR, this.executor);
		}
	}

	private void resolveNow() {
		if (this.shutdown || this.resolving) {
			return;
		}
		cancelScheduled();
		this.resolving = true;
		this.lastStartedNanos = this.ticker.getAsLong();
		try {
			this.executor.execute(this::lookUpAndReport);
		}
		catch (RejectedExecutionException ex) {
			// The executor is shutting down or full: count it as a failed lookup, so the next one gets scheduled.
			completed(null, new IOException("lookup not started: " + ex.getMessage(), ex));
		}
	}

	/** Runs on the executor. Reports back to the synchronization context whatever happens, errors included. */
	private void lookUpAndReport() {
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
		catch (Error ex) {
			// Reported below all the same; the executor's thread still sees it.
			error = new IOException(ex.toString(), ex);
			throw ex;
		}
		finally {
			report(answer, error);
		}
	}

	private void report(AddressLookup.Answer answer, IOException error) {
		this.syncContext.execute(() -> completed(answer, error));
	}

	private void completed(AddressLookup.Answer answer, IOException error) {
		this.resolving = false;
		if (this.shutdown) {
			return;
		}
		if (answer != null && !answer.addresses().isEmpty()) {
			succeeded(answer);
			return;
		}
		failed((error != null) ? error : new IOException("no addresses"));
	}

	private void succeeded(AddressLookup.Answer answer) {
		if (this.failures > 0) {
			logger.atInfo()
				.addKeyValue("client", this.clientName)
				.addKeyValue("name", this.name)
				.log("gRPC client '{}': resolving {} works again after {} failed lookup(s)", this.clientName,
						this.name, this.failures);
		}
		this.failures = 0;
		Set<InetSocketAddress> addresses = new LinkedHashSet<>(answer.addresses());
		boolean changed = !addresses.equals(this.current);
		if (changed) {
			List<InetSocketAddress> shuffled = new ArrayList<>(addresses);
			Collections.shuffle(shuffled, this.random);
			logger.atInfo()
				.addKeyValue("client", this.clientName)
				.addKeyValue("name", this.name)
				.log("gRPC client '{}': {} now resolves to {} address(es) {}", this.clientName, this.name,
						shuffled.size(), addresses);
			this.current = addresses;
			List<EquivalentAddressGroup> groups = new ArrayList<>();
			shuffled.forEach((address) -> groups.add(new EquivalentAddressGroup(address)));
			this.listener.onResult2(
					ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
		}
		this.resolutionListener.resolved(this.clientName, List.copyOf(this.current), changed);
		scheduleIn(nextRefresh(answer.ttl()).toNanos(), false);
	}

	private void failed(IOException error) {
		this.failures++;
		boolean kept = this.current != null;
		if (this.failures == 1) {
			logger.atWarn()
				.addKeyValue("client", this.clientName)
				.addKeyValue("name", this.name)
				.log("gRPC client '{}': resolving {} failed ({}); {} and retrying with backoff (logged once until "
						+ "it recovers)", this.clientName, this.name, error.getMessage(),
						kept ? "keeping the last " + this.current.size() + " address(es)" : "no addresses yet");
		}
		this.resolutionListener.failed(this.clientName, String.valueOf(error.getMessage()), kept);
		if (!kept) {
			this.listener.onError(Status.UNAVAILABLE
				.withDescription("gRPC client '" + this.clientName + "': resolving " + this.name + " failed: "
						+ error.getMessage())
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
		double factor = 0.9 + 0.2 * this.random.nextDouble();
		Duration jittered = Duration.ofNanos((long) (interval.toNanos() * factor));
		// Never below the minimum gap, even after jitter.
		return (jittered.compareTo(this.settings.minRefreshInterval()) < 0) ? this.settings.minRefreshInterval()
				: jittered;
	}

	private void scheduleIn(long nanos, boolean onlyIfSooner) {
		long at = this.ticker.getAsLong() + nanos;
		if (this.next != null && this.next.isPending()) {
			if (onlyIfSooner && this.nextAtNanos - at <= 0) {
				return;
			}
			this.next.cancel();
		}
		this.nextAtNanos = at;
		this.next = this.syncContext.schedule(this::resolveNow, nanos, TimeUnit.NANOSECONDS, this.timer);
		this.resolutionListener.scheduled(this.clientName, Duration.ofNanos(nanos));
	}

	private void cancelScheduled() {
		if (this.next != null) {
			this.next.cancel();
			this.next = null;
		}
	}

}
