export const FIRST_NAMES = [
  'Ada', 'Grace', 'Alan', 'Katherine', 'Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava',
  'Noah', 'Mia', 'Jack', 'Sophia', 'Leo', 'Freya', 'Arthur', 'Lily', 'Muhammad', 'Emily',
  'Thomas', 'Poppy', 'James', 'Ella', 'William', 'Evie', 'Aisha', 'Priya', 'Ravi', 'Mei',
  'Chen', 'Kwame', 'Ngozi', 'Lukas', 'Ingrid', 'Mateo', 'Lucía', 'José', 'Zoë', 'Siobhán',
  'Seán', 'Chloé', 'Björn', 'Fatima', 'Omar', 'Hannah', 'Daniel', 'Olivia', 'Ethan', 'Maya',
] as const;

export const LAST_NAMES = [
  'Lovelace', 'Hopper', 'Turing', 'Johnson', 'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson',
  'Davies', 'Evans', 'Thomas', 'Roberts', 'Walker', 'Wright', 'Thompson', 'White', 'Hughes', 'Edwards',
  'Green', 'Hall', 'Wood', 'Harris', 'Clarke', 'Patel', 'Khan', 'Singh', 'Ahmed', 'Begum',
  'Nguyen', 'Wang', 'Okafor', 'Mensah', 'Müller', 'Schmidt', 'García', 'Núñez', "O'Brien", "O'Connor",
  'MacDonald', 'Van der Berg', 'Kowalski', 'Novak', 'Rossi', 'Dubois', 'Andersson', 'Murphy', 'Kelly', 'Campbell',
] as const;

export const TAGS = ['gold', 'silver', 'pool', 'sauna', 'classes', 'pt', 'student', 'corporate'] as const;

/** ASCII local-part for generated emails: "Zoë" -> "zoe", "O'Brien" -> "obrien". */
export function emailSlug(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}
