package io.github.grpclb.sample.gateway;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.grpclb.client.GrpcLbClient;
import io.github.grpclb.sample.proto.GetOrderRequest;
import io.github.grpclb.sample.proto.Order;
import io.github.grpclb.sample.proto.OrderServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The API gateway role ({@code gateway.enabled=true}): {@code GET /orders/{id}} calls the order service through
 * a pooled, round-robin {@code @GrpcLbClient} stub and says which instance served the call.
 */
@RestController
@ConditionalOnProperty(name = "gateway.enabled", havingValue = "true")
public class OrderController {

	private final OrderServiceGrpc.OrderServiceBlockingStub orders;

	public OrderController(@GrpcLbClient("orders") OrderServiceGrpc.OrderServiceBlockingStub orders) {
		this.orders = orders;
	}

	@GetMapping("/orders/{id}")
	public OrderView order(@PathVariable long id) {
		Order order = this.orders.getOrder(GetOrderRequest.newBuilder().setId(id).build());
		return new OrderView(order.getId(), order.getServedBy());
	}

	/**
	 * A failed gRPC call becomes a problem response with the gRPC status: 503 for UNAVAILABLE, 504 for
	 * DEADLINE_EXCEEDED, 502 otherwise.
	 */
	@ExceptionHandler(StatusRuntimeException.class)
	ProblemDetail grpcFailure(StatusRuntimeException ex) {
		Status.Code code = ex.getStatus().getCode();
		HttpStatus http = switch (code) {
			case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
			case DEADLINE_EXCEEDED -> HttpStatus.GATEWAY_TIMEOUT;
			case NOT_FOUND -> HttpStatus.NOT_FOUND;
			default -> HttpStatus.BAD_GATEWAY;
		};
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(http, "order service: " + code
				+ (ex.getStatus().getDescription() != null ? " (" + ex.getStatus().getDescription() + ")" : ""));
		problem.setProperty("grpc_status", code.name());
		return problem;
	}

	/**
	 * The JSON reply.
	 *
	 * @param id the order id
	 * @param servedBy the order-service instance that served the call
	 */
	public record OrderView(long id, @JsonProperty("served_by") String servedBy) {
	}

}
