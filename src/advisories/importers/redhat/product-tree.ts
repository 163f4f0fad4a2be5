import { isObject, jsonPointer } from '../import-problem.js';
import { branchSchema, type FullProductName, fullProductNameSchema, relationshipSchema } from './csaf-document.js';

/**
 * A CSAF product tree as Red Hat writes it: products (`product_name`, with a CPE) and components (`product_version`,
 * with a purl) in nested `branches`, tied together by `default_component_of` relationships whose own product id is
 * what `product_status` lists (`AppStream-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.x86_64`). A module's rpm is a
 * component of the module's component, which is a component of the product (SECDATA-1115): the chain is followed.
 */

type Path = ReadonlyArray<string | number>;

export interface TreeProduct extends FullProductName {
  /** Where the product sits in the document, for problems. */
  at: Path;
}

interface TreeRelationship {
  component: string;
  product: string;
}

export interface ProductTree {
  products: Map<string, TreeProduct>;
  relationships: Map<string, TreeRelationship>;
}

export interface TreeProblem {
  at: string;
  problem: string;
}

/** Red Hat nests four deep (vendor, family, product or arch, version); a far deeper tree is hostile, not data. */
const MAX_BRANCH_DEPTH = 16;
/** A relationship chain longer than product → module → rpm plus slack is a loop or hostile. */
const MAX_CHAIN = 8;

function walkBranches(branches: unknown[], path: Path, tree: ProductTree, problems: TreeProblem[]): void {
  if (path.filter((segment) => segment === 'branches').length > MAX_BRANCH_DEPTH) {
    problems.push({ at: jsonPointer(path), problem: `branches nested deeper than ${MAX_BRANCH_DEPTH}; not read` });
    return;
  }
  for (const [index, value] of branches.entries()) {
    const at = [...path, index];
    const branch = branchSchema.safeParse(value);
    if (!branch.success) {
      const issue = branch.error.issues[0];
      problems.push({ at: jsonPointer([...at, ...(issue?.path ?? [])]), problem: issue?.message ?? 'invalid branch' });
      continue;
    }
    const { product, branches: children } = branch.data;
    if (product !== undefined) tree.products.set(product.product_id, { ...product, at: [...at, 'product'] });
    if (children !== undefined) walkBranches(children, [...at, 'branches'], tree, problems);
  }
}

export function readProductTree(productTree: unknown, problems: TreeProblem[]): ProductTree {
  const tree: ProductTree = { products: new Map(), relationships: new Map() };
  if (!isObject(productTree)) return tree;
  if (Array.isArray(productTree.branches))
    walkBranches(productTree.branches, ['product_tree', 'branches'], tree, problems);
  // Products may also stand alone, outside any branch (CSAF 3.1.3.2); Red Hat does not write them so, others may.
  for (const [index, value] of (Array.isArray(productTree.full_product_names)
    ? productTree.full_product_names
    : []
  ).entries()) {
    const product = fullProductNameSchema.safeParse(value);
    if (product.success) {
      tree.products.set(product.data.product_id, {
        ...product.data,
        at: ['product_tree', 'full_product_names', index],
      });
    }
  }
  for (const [index, value] of (Array.isArray(productTree.relationships) ? productTree.relationships : []).entries()) {
    const relationship = relationshipSchema.safeParse(value);
    if (!relationship.success) {
      const issue = relationship.error.issues[0];
      const at = jsonPointer(['product_tree', 'relationships', index, ...(issue?.path ?? [])]);
      problems.push({ at, problem: issue?.message ?? 'invalid relationship' });
      continue;
    }
    // Only "default component of" says the product ships the package; `optional_component_of`, `installed_on`,
    // `installed_with` and `external_product` do not.
    if (relationship.data.category !== 'default_component_of') continue;
    tree.relationships.set(relationship.data.full_product_name.product_id, {
      component: relationship.data.product_reference,
      product: relationship.data.relates_to_product_reference,
    });
  }
  return tree;
}

/** A status entry resolved: the product (with its CPE) and the component, plus the module components between them. */
export interface ResolvedProduct {
  product: TreeProduct & { cpe: string };
  component: TreeProduct;
  /** Components the chain passed through between the product and the component (a module's component). */
  via: TreeProduct[];
}

/**
 * Follows a product id from `product_status` to its product and component. Undefined when the id names a product
 * alone (a statement about a whole product, not a package), or the chain is broken, loops, or ends without a CPE.
 */
export function resolveProductId(tree: ProductTree, productId: string): ResolvedProduct | undefined {
  const first = tree.relationships.get(productId);
  if (first === undefined) return undefined;
  const component = tree.products.get(first.component);
  if (component === undefined) return undefined;
  const via: TreeProduct[] = [];
  let reference = first.product;
  for (let step = 0; step < MAX_CHAIN; step++) {
    const next = tree.relationships.get(reference);
    if (next === undefined) {
      const product = tree.products.get(reference);
      const cpe = product?.product_identification_helper?.cpe;
      return product && cpe ? { product: { ...product, cpe }, component, via } : undefined;
    }
    const between = tree.products.get(next.component);
    if (between === undefined) return undefined;
    via.push(between);
    reference = next.product;
  }
  return undefined;
}
