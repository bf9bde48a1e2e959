import 'reflect-metadata';
import { COMMANDS, COMMAND_TYPES } from '#domain';
import { validationPipe } from './body-validation.js';
import { COMMAND_BODY_CLASSES, jsonSchemaOf } from './command-bodies.js';
import { ValidationFailed } from './problems.js';

const validate = (type: (typeof COMMAND_TYPES)[number], body: unknown) => validationPipe().transform(body, { type: 'body', metatype: COMMAND_BODY_CLASSES[type] });

describe('command bodies made from the catalogue', () => {
  it.each(COMMAND_TYPES)('%s: its documented example passes its own validation', async (type) => {
    await expect(validate(type, COMMANDS[type].example)).resolves.toBeDefined();
  });

  it.each(COMMAND_TYPES)('%s: a missing required field, an unknown field and an over-long string are refused, naming the field', async (type) => {
    const { input, example } = COMMANDS[type];
    const required = Object.entries(input.fields).find(([, field]) => !field.optional)![0];
    const { [required]: _dropped, ...missing } = example as Record<string, unknown>;
    await expect(validate(type, missing)).rejects.toMatchObject({ errors: expect.arrayContaining([expect.objectContaining({ field: required })]) });
    await expect(validate(type, { ...example, smuggled: 1 })).rejects.toBeInstanceOf(ValidationFailed);
    const text = Object.entries(input.fields).find(([, field]) => field.kind === 'text' || field.kind === 'id');
    if (text) await expect(validate(type, { ...example, [text[0]]: 'x'.repeat(5000) })).rejects.toMatchObject({ errors: [expect.objectContaining({ field: text[0] })] });
  });

  it('states in JSON Schema every limit the validator applies', () => {
    const schema = jsonSchemaOf(COMMANDS.formTeam.input) as { additionalProperties: boolean; required: string[]; properties: Record<string, Record<string, unknown>> };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['teamId', 'roundId', 'leader', 'members']);
    expect(schema.properties.members).toMatchObject({ type: 'array', minItems: 0, maxItems: 100, items: { type: 'object', additionalProperties: false, required: ['personId', 'homeJurisdiction'] } });
    expect(schema.properties.teamId).toMatchObject({ type: 'string', minLength: 1, maxLength: 128 });
  });
});
