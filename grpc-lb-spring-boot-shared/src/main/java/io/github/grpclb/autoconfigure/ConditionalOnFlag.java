package io.github.grpclb.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Matches when a boolean property has the given value, read as Spring binds a boolean: true/on/yes/1 and
 * false/off/no/0, in any case, with surrounding white space. Any other value fails startup naming the property and
 * where it was set. Boot's {@code @ConditionalOnProperty} compares the raw text with "true"/"false" instead, so an
 * operator's {@code off} or {@code 0} either matched nothing or left a feature on.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@Conditional(OnFlagCondition.class)
@interface ConditionalOnFlag {

	/**
	 * The property, e.g. {@code grpc.lb.pooling.enabled}.
	 * @return the property name
	 */
	String value();

	/**
	 * The value to match.
	 * @return {@code true} or {@code false}
	 */
	boolean havingValue() default true;

	/**
	 * What the flag decides, for the error when its value is not a boolean ("whether …").
	 * @return a short description
	 */
	String decides();

}
