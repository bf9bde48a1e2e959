import { ValidationPipe } from '@nestjs/common';
import { ValidationFailed, flattenValidationErrors } from './problems.js';

/** The edge's one validation rule set: unknown fields are refused, not silently dropped. */
export const validationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailed(flattenValidationErrors(errors)),
  });
